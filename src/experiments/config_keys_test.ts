/**
 * The sweep config's judges were once called "targets": a config with the old key still
 * runs (one deprecation line per process), both keys at once are refused in one line, and
 * a folder, shard or Slurm run recorded under one key resumes and merges under the other.
 */
import assert from "node:assert/strict";
import { UserError } from "../errors.ts";
import { PROJECT_ROOT } from "../paths.ts";
import { SAMPLE_PATHS } from "../testing/fixtures.ts";
import { lockResultsDir } from "./dir_lock.ts";
import { expandImages } from "./image_glob.ts";
import { mergeShards } from "./merge_shards.ts";
import { collectProvenance } from "./provenance.ts";
import { prepareResultsDir } from "./results_dir.ts";
import { expandUnits, normalizeConfigKeys, validateConfig } from "./sweep_config.ts";
import { hashInputs } from "./sweep_inputs.ts";
import { submitSlurmSweep } from "../slurm/slurm_sweep.ts";

/** A config as a user writes it, with the judges under `key`. */
function written(key: "judges" | "targets", judges = ["blazeface-front"]) {
  return {
    name: "keys",
    images: [SAMPLE_PATHS[0]],
    attacks: [{ attack: "fgsm" }],
    eps: [8],
    steps: [1],
    sources: [["blazeface-front"]],
    [key]: judges,
    channels: ["identity"],
    seeds: [1],
  };
}

Deno.test("normalizeConfigKeys renames targets to judges in place and refuses both", () => {
  assert.deepEqual(
    Object.keys(normalizeConfigKeys(written("targets")) as object),
    ["name", "images", "attacks", "eps", "steps", "sources", "judges", "channels", "seeds"],
  );
  assert.deepEqual(normalizeConfigKeys(written("targets")), written("judges"));
  assert.deepEqual(normalizeConfigKeys(written("judges")), written("judges"));
  // Anything that is not an object is validateConfig's to refuse.
  assert.equal(normalizeConfigKeys(null), null);
  const both = { ...written("judges"), targets: ["faceboxes"] };
  assert.throws(() => normalizeConfigKeys(both), UserError);
  assert.throws(
    () => validateConfig(both),
    /^UserError: config gives both "judges" and "targets" \(its old name\); keep only "judges"$/,
  );
  // The old key's values are checked under the new name.
  assert.throws(
    () => validateConfig(written("targets", ["yolo"])),
    /config field "judges": unknown detector "yolo"/,
  );
  const config = validateConfig(written("targets"));
  assert.deepEqual(config.judges, ["blazeface-front"]);
  assert.ok(!("targets" in config));
});

Deno.test("the old key prints one deprecation line per process, the new key none", async () => {
  const module = new URL("./sweep_config.ts", import.meta.url).href;
  const run = async (key: string) => {
    const config = JSON.stringify(written(key as "judges"));
    const code = `import { validateConfig } from "${module}";\n` +
      `for (let i = 0; i < 3; i++) validateConfig(${config});`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-check", code],
      cwd: PROJECT_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stderr);
  };
  assert.equal(
    await run("targets"),
    'warning: sweep config: "targets" is now "judges"; the old key still works\n',
  );
  assert.equal(await run("judges"), "");
});

/** Writes a sweep folder's run.json as a sweep of `config` (given under either key) would. */
async function startFolder(dir: string, raw: Record<string, unknown>) {
  await Deno.mkdir(dir, { recursive: true });
  await resume(dir, raw);
  // What an older version wrote: the config exactly as given, old key included.
  const path = `${dir}/run.json`;
  const run = JSON.parse(await Deno.readTextFile(path));
  await Deno.writeTextFile(path, JSON.stringify({ ...run, config: raw }, null, 2));
}

/** Prepares or resumes `dir` with `raw` (prepareResultsDir's config check). */
async function resume(dir: string, raw: Record<string, unknown>) {
  const lock = await lockResultsDir(dir, "test");
  try {
    const config = validateConfig(raw);
    const images = expandImages(config.images);
    await prepareResultsDir(lock, {
      config,
      provenance: await collectProvenance("wasm"),
      inputs: await hashInputs(images),
      units: expandUnits(config, images),
    });
  } finally {
    await lock.release();
  }
}

Deno.test("a folder recorded with either key resumes with the other; other judges do not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-config-keys-" });
  try {
    await startFolder(`${dir}/old`, written("targets"));
    await resume(`${dir}/old`, written("judges"));
    await startFolder(`${dir}/new`, written("judges"));
    await resume(`${dir}/new`, written("targets"));
    // The check still compares the judges themselves.
    await assert.rejects(
      resume(`${dir}/old`, written("judges", ["faceboxes"])),
      /holds results of a different config/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep merge takes shards recorded under either key as one config", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-config-keys-merge-" });
  try {
    await startFolder(`${dir}/shard-1`, written("targets"));
    await startFolder(`${dir}/shard-2`, written("judges"));
    assert.equal(await mergeShards([`${dir}/shard-1`, `${dir}/shard-2`], `${dir}/merged`), 0);
    await startFolder(`${dir}/shard-3`, written("judges", ["faceboxes"]));
    await assert.rejects(
      mergeShards([`${dir}/shard-1`, `${dir}/shard-3`], `${dir}/merged-2`),
      /its config differs/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a Slurm run folder recorded with the old key resumes with the new one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-config-keys-slurm-" });
  try {
    const request = (raw: Record<string, unknown>) => ({
      config: validateConfig(raw),
      outDir: dir,
      resources: {},
      merge: false,
      dryRun: true,
      projectDir: PROJECT_ROOT,
    });
    // The manifest an older version wrote: the config as given.
    const manifest = { config: written("targets"), shards: 1, submissions: [] };
    await Deno.writeTextFile(`${dir}/slurm.json`, JSON.stringify(manifest));
    const outcome = await submitSlurmSweep(request(written("judges")));
    assert.deepEqual(outcome.shards, [1]);
    await assert.rejects(
      submitSlurmSweep(request(written("judges", ["faceboxes"]))),
      /holds a Slurm sweep of a different config/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
