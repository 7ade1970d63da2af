/**
 * Sweeps end to end: the bundled smoke grid, resuming after SIGKILL with exactly the
 * rows of an uninterrupted run, shards merging into the unsharded result, and config
 * errors named before any work starts.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";
import { openRows, type StoredRow } from "./row_store.ts";
import { withoutTiming } from "./merge_shards.ts";
import { expandUnits, validateConfig } from "./sweep_config.ts";

// The bundled smoke grid: 4 units, 32 rows, about ten seconds.
const SMOKE = JSON.parse(
  await Deno.readTextFile(`${PROJECT_ROOT}/results/configs/smoke.json`),
) as Record<string, unknown> & { images: string[] };

function sweep(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${PROJECT_ROOT}/src/cli/sweep.ts`, ...args],
    cwd: PROJECT_ROOT, // the config's image paths are relative to the repository
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function finish(child: Deno.ChildProcess): Promise<string> {
  const out = await child.output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  return stderr;
}

function comparable(rows: StoredRow[]): string[] {
  return rows.map((r) => JSON.stringify(withoutTiming(r)));
}

Deno.test("sweep: kill -9 and rerun equals an uninterrupted run; shards merge to the same rows", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-sweep-" });
  try {
    const config = `${dir}/smoke.json`;
    await Deno.writeTextFile(config, JSON.stringify(SMOKE));
    // Uninterrupted reference run, with progress on stderr.
    const stderr = await finish(sweep([config, "--out", `${dir}/whole`]));
    assert.match(stderr, /4\/4 units .* ETA/);
    const whole = await openRows(`${dir}/whole/rows.jsonl`);
    assert.equal(whole.length, 4 * 2 * 2 * 2); // units x steps x judges x channels
    const run = JSON.parse(await Deno.readTextFile(`${dir}/whole/run.json`));
    assert.equal(run.backend, "wasm");
    assert.ok(run.code_version && run.versions.tfjs === "4.22.0" && run.machine.cores >= 1);
    assert.ok(Number.isInteger(run.threads) && run.threads >= 1, `threads ${run.threads}`);
    for (const row of whole) {
      for (
        const key of ["image", "attack", "eps", "steps", "source", "target", "channel", "seed"]
      ) {
        assert.ok(key in row, `row lacks ${key}`);
      }
      assert.ok(["code_version", "versions", "backend"].every((k) => k in row));
      assert.equal(row.threads, run.threads);
    }

    // Killed as soon as the first unit is on disk, then rerun.
    const killed = sweep([config, "--out", `${dir}/resumed`]);
    const rowsFile = `${dir}/resumed/rows.jsonl`;
    for (let i = 0; i < 600; i++) {
      const text = await Deno.readTextFile(rowsFile).catch(() => "");
      if (text.split("\n").length > 8) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    killed.kill("SIGKILL");
    await killed.output();
    // And a torn half line, as a crash in the middle of a write leaves.
    await Deno.writeTextFile(rowsFile, '{"unit": "half a li', { append: true });
    const resumedLog = await finish(sweep([config, "--out", `${dir}/resumed`]));
    assert.match(resumedLog, /from before/);
    const resumed = await openRows(rowsFile);
    assert.deepEqual(comparable(resumed), comparable(whole));

    // Two shards, merged.
    await finish(sweep([config, "--out", `${dir}/s1`, "--shard", "1/2"]));
    await finish(sweep([config, "--out", `${dir}/s2`, "--shard", "2/2"]));
    const s1 = await openRows(`${dir}/s1/rows.jsonl`);
    assert.equal(s1.length, whole.length / 2);
    await finish(sweep(["merge", `${dir}/s1`, `${dir}/s2`, "-o", `${dir}/merged`]));
    assert.deepEqual(comparable(await openRows(`${dir}/merged/rows.jsonl`)), comparable(whole));

    // A shard of another config is refused.
    await Deno.writeTextFile(config, JSON.stringify({ ...SMOKE, eps: [4] }));
    await finish(sweep([config, "--out", `${dir}/other`, "--shard", "1/2"]));
    const refused = await sweep(["merge", `${dir}/s1`, `${dir}/other`, "-o", `${dir}/bad`])
      .output();
    assert.notEqual(refused.code, 0);
    assert.match(new TextDecoder().decode(refused.stderr), /config differs/);

    // Summary: transfer matrix with the source on its own target and a transfer target.
    const summary = await sweep(["summary", `${dir}/whole`, "--json"]).output();
    const parsed = JSON.parse(new TextDecoder().decode(summary.stdout));
    const own = parsed.transfer.find((c: { target: string; channel: string }) =>
      c.target === "blazeface-front" && c.channel === "identity"
    );
    assert.equal(own.transfer, false);
    assert.ok(own.detection_rate < 1);
    assert.ok(parsed.transfer.some((c: { transfer: boolean }) => c.transfer));
    assert.equal(parsed.quality.length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep: an unreadable image becomes a failed row and the sweep goes on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-sweep-bad-" });
  try {
    await Deno.writeTextFile(`${dir}/broken.jpg`, "not a photo");
    const config = `${dir}/c.json`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        ...SMOKE,
        images: [`${dir}/broken.jpg`, SMOKE.images[0]],
        attacks: [{ attack: "fgsm" }],
      }),
    );
    await finish(sweep([config, "--out", `${dir}/out`]));
    const rows = await openRows(`${dir}/out/rows.jsonl`);
    assert.match(String(rows[0].error), /not a JPEG, PNG or WebP/);
    assert.ok(rows.length > 1 && rows.slice(1).every((r) => !r.error));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config errors name the field and value", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...SMOKE, colour: "red" }, /field "colour": unknown field/],
    [{ ...SMOKE, eps: "8" }, /field "eps": must be a list/],
    [{ ...SMOKE, eps: [] }, /field "eps": must not be empty/],
    [{ ...SMOKE, eps: [100] }, /field "eps": values must be at most 64/],
    [{ ...SMOKE, steps: [0] }, /field "steps": item 0/],
    [{ ...SMOKE, attacks: [{ attack: "deepfool" }] }, /unknown attack "deepfool"/],
    [{ ...SMOKE, sources: [["haar"]] }, /"haar" is not a white-box detector/],
    [{ ...SMOKE, judges: ["yolo"] }, /field "judges": unknown detector "yolo"/],
    [{ ...SMOKE, channels: ["jpeg42"] }, /field "channels": unknown channel "jpeg42"/],
    [{ ...SMOKE, name: "../x" }, /field "name"/],
    [{ ...SMOKE, attacks: [{ attack: "pgd", robust: "yes" }] }, /"robust" of an attack/],
  ];
  for (const [config, pattern] of cases) assert.throws(() => validateConfig(config), pattern);
  assert.equal(validateConfig(SMOKE).name, "smoke");
});

Deno.test("the bundled configs are valid", async () => {
  for (const name of ["smoke", "paper"]) {
    const raw = JSON.parse(await Deno.readTextFile(`${PROJECT_ROOT}/results/configs/${name}.json`));
    assert.equal(validateConfig(raw).name, name);
  }
});

Deno.test("an attack's own robust setting overrides the grid's for that entry only", () => {
  const config = validateConfig({
    ...SMOKE,
    images: ["data/samples/sample1.jpg"],
    attacks: [{ attack: "pgd" }, { attack: "pgd", robust: true }],
    robust: [false],
  });
  const units = expandUnits(config);
  assert.deepEqual(units.map((u) => u.robust), [false, true]);
  assert.notEqual(units[0].key, units[1].key);
});
