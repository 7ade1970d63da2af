/**
 * protect-eval end to end on one small development photo: the judges are every detector
 * the protection was not made against (Tiny and FaceBoxes too, now that they are white-box),
 * and what it writes agrees with itself.
 */
import assert from "node:assert/strict";
import { DEV_DIR } from "../paths.ts";
import { runCliScript } from "../testing/run_cli_script.ts";
import { PROTECT_DEFAULTS } from "../protect/defaults.ts";

Deno.test({
  name: "protect-eval: judges the detectors not attacked, one row per photo, a summary",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "equalais-protect-eval-" });
    try {
      const out = `${dir}/run`;
      const result = await runCliScript("protect_eval.ts", [
        `${DEV_DIR}/e-w-dahlgren-w128.jpg`,
        "--out",
        out,
        "--perturb",
        '{"steps": 4, "escalation": false, "eps": 6, "lastResort": false, ' +
        '"attackOptions": {"refineSteps": 0}}',
        "--quality",
        "99",
        "--json",
      ]);
      assert.equal(result.code, 0, result.stderr);
      const rows = (await Deno.readTextFile(`${out}/rows.jsonl`)).trim().split("\n")
        .map((line) => JSON.parse(line));
      assert.equal(rows.length, 1);
      const attacked = ["blazeface-back", "blazeface-front", "mediapipe-full"];
      assert.deepEqual(Object.keys(rows[0].attacked).sort(), attacked);
      assert.deepEqual(
        Object.keys(rows[0].judges).sort(),
        ["faceapi-ssd", "faceapi-tiny", "faceboxes", "haar", "human"],
      );
      const summary = JSON.parse(result.stdout);
      assert.equal(summary.photos, 1);
      assert.deepEqual(summary, JSON.parse(await Deno.readTextFile(`${out}/summary.json`)));
      const run = JSON.parse(await Deno.readTextFile(`${out}/run.json`));
      assert.deepEqual(run.judges.sort(), Object.keys(rows[0].judges).sort());
      assert.equal(run.quality, 99);
      // Attack options merge over the preset's: only refineSteps changed.
      assert.deepEqual(run.config.attackOptions, {
        ...PROTECT_DEFAULTS.attackOptions,
        refineSteps: 0,
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("protect-eval: a bad judge or encoder quality is one line naming it", async (t) => {
  const cases: [string, string[], RegExp][] = [
    ["unknown judge", ["--judges", "nope"], /^protect-eval: error: unknown detector "nope"/],
    ["quality over 100", ["--quality", "101"], /^protect-eval: error: .*quality/],
  ];
  for (const [name, flags, message] of cases) {
    await t.step(name, async () => {
      const result = await runCliScript("protect_eval.ts", [
        `${DEV_DIR}/e-w-dahlgren-w128.jpg`,
        ...flags,
      ]);
      assert.equal(result.code, 2);
      assert.match(result.stderr.trim(), message);
      assert.equal(result.stderr.trim().split("\n").length, 1);
    });
  }
});
