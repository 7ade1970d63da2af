/**
 * Batched sweeps on a CPU backend (`--batch 2`): photos of one size share a batch,
 * whatever their order in the config, a photo of another size runs alone, and every
 * unit still gets its own complete rows.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";
import { encodeImage } from "../image/encode.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { openRows } from "./row_store.ts";

Deno.test("sweep --batch 2: same-size photos together, another size alone", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-sweep-batch-" });
  try {
    const first = await resizeImage(await readSample(1), 192);
    const second = await resizeImage(await readSample(2), 192);
    const sameSize = { ...first, data: second.data.subarray(0, first.data.length) };
    await Deno.writeFile(`${dir}/a.png`, await encodeImage(first, "png"));
    await Deno.writeFile(`${dir}/b.png`, await encodeImage(second, "png")); // taller
    await Deno.writeFile(`${dir}/c.png`, await encodeImage(sameSize, "png"));
    const config = {
      name: "batch-smoke",
      images: [`${dir}/a.png`, `${dir}/b.png`, `${dir}/c.png`],
      attacks: [{ attack: "fgsm" }],
      eps: [8],
      steps: [1],
      sources: [["blazeface-front"]],
      robust: [false],
      targets: ["blazeface-front"],
      channels: ["identity"],
      seeds: [1],
    };
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${PROJECT_ROOT}/src/cli/sweep.ts`,
        `${dir}/config.json`,
        "--out",
        `${dir}/out`,
        "--backend",
        "wasm",
        "--batch",
        "2",
      ],
      cwd: PROJECT_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const rows = await openRows(`${dir}/out/rows.jsonl`);
    const batchOf = Object.fromEntries(
      rows.map((r) => [String(r.image).split("/").at(-1), r.batch_images]),
    );
    assert.deepEqual(batchOf, { "a.png": 2, "b.png": 1, "c.png": 2 });
    for (const row of rows) {
      assert.equal(row.backend, "wasm");
      assert.equal(row.unit_rows, 1);
      assert.ok((row.clean_faces as number) >= 1);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep --batch rejects what is not a whole number or auto", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${PROJECT_ROOT}/src/cli/sweep.ts`, "x.json", "--batch", "0"],
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  assert.notEqual(out.code, 0);
  assert.match(stderr, /--batch must be a whole number >= 1 or "auto", got "0"/);
  assert.equal(stderr.split("\n").length, 1);
});
