/**
 * A resume checks the photos by content: a photo added to the glob, edited or removed since
 * the folder's run began is named and the resume refused; a folder from before input
 * hashing is refused with advice, or adopted with --adopt-inputs.
 */
import assert from "node:assert/strict";
import { lockResultsDir } from "./dir_lock.ts";
import { expandImages } from "./image_glob.ts";
import { collectProvenance } from "./provenance.ts";
import { prepareResultsDir } from "./results_dir.ts";
import { runSweep } from "./run_sweep.ts";
import { expandUnits, validateConfig } from "./sweep_config.ts";
import { describeInputChange, hashInputs } from "./sweep_inputs.ts";

Deno.test("describeInputChange names new, modified and removed photos", () => {
  const a = { path: "p/a.jpg", sha256: "aa" };
  const b = { path: "p/b.jpg", sha256: "bb" };
  assert.equal(describeInputChange([a, b], [a, b]), undefined);
  assert.equal(
    describeInputChange([a], [a, b]),
    "p/b.jpg is new (it matches the config's images now)",
  );
  assert.equal(
    describeInputChange([a, b], [a, { ...b, sha256: "cc" }]),
    "p/b.jpg was modified (its SHA-256 differs)",
  );
  assert.equal(
    describeInputChange([a, b], [b]),
    "p/a.jpg was removed (or no longer matches)",
  );
  assert.equal(
    describeInputChange([a, b], [{ ...a, sha256: "x" }]),
    "p/a.jpg was modified (its SHA-256 differs) (and 1 more changes)",
  );
});

Deno.test("hashInputs records each file's SHA-256", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-inputs-hash-" });
  try {
    await Deno.writeTextFile(`${dir}/a.jpg`, "abc");
    // SHA-256 of "abc", from FIPS 180-2's example.
    assert.deepEqual(await hashInputs([`${dir}/a.jpg`]), [{
      path: `${dir}/a.jpg`,
      sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a resume whose photos changed is refused, naming the photo", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-inputs-resume-" });
  try {
    await Deno.mkdir(`${dir}/photos`);
    await Deno.writeTextFile(`${dir}/photos/a.jpg`, "photo a");
    await Deno.writeTextFile(`${dir}/photos/b.jpg`, "photo b");
    const config = validateConfig({
      name: "inputs",
      images: [`${dir}/photos/*.jpg`],
      attacks: [{ attack: "fgsm" }],
      eps: [8],
      steps: [1],
      sources: [["blazeface-front"]],
      judges: ["blazeface-front"],
      channels: ["identity"],
      seeds: [1],
    });
    const out = `${dir}/out`;
    // The first run's record, as a sweep writes it before its first unit.
    await Deno.mkdir(out);
    const lock = await lockResultsDir(out, "test");
    const images = expandImages(config.images);
    await prepareResultsDir(lock, {
      config,
      provenance: await collectProvenance("wasm"),
      inputs: await hashInputs(images),
      units: expandUnits(config, images),
    });
    await lock.release();
    const run = JSON.parse(await Deno.readTextFile(`${out}/run.json`));
    assert.deepEqual(run.inputs.map((f: { path: string }) => f.path), images);
    const resume = () => runSweep(config, { outDir: out, backend: "wasm" });

    await Deno.writeTextFile(`${dir}/photos/c.jpg`, "photo c");
    await assert.rejects(resume(), /photos\/c\.jpg is new .* restore the photos or choose/);
    await Deno.remove(`${dir}/photos/c.jpg`);

    await Deno.writeTextFile(`${dir}/photos/b.jpg`, "photo b, retouched");
    await assert.rejects(resume(), /photos\/b\.jpg was modified/);
    await Deno.writeTextFile(`${dir}/photos/b.jpg`, "photo b");

    await Deno.rename(`${dir}/photos/a.jpg`, `${dir}/photos/a.png`);
    await assert.rejects(resume(), /photos\/a\.jpg was removed/);
    await Deno.rename(`${dir}/photos/a.png`, `${dir}/photos/a.jpg`);

    // A folder from before input hashing: refused with advice, or adopted on request.
    const { inputs: _inputs, ...old } = run;
    await Deno.writeTextFile(`${out}/run.json`, JSON.stringify(old));
    await assert.rejects(resume(), /predates input hashing.*--adopt-inputs/);
    const summary = await runSweep(config, { outDir: out, backend: "wasm", adoptInputs: true });
    // The "photos" are not images: each unit fails on reading and is recorded as such.
    assert.deepEqual(summary, { units: 2, ran: 2, skipped: 0, failed: 2 });
    const adopted = JSON.parse(await Deno.readTextFile(`${out}/run.json`));
    assert.deepEqual(adopted.inputs, run.inputs);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
