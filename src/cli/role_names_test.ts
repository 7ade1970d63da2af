/**
 * One name per role on the command line: `protect --attacked` picks the detectors the
 * attack differentiates through, `evaluate --judges` the detectors that count faces, and
 * `protect` reports its counts per judge. The old `--detectors` of both still works, with
 * one deprecation line on stderr; the old and new flag together are refused in one line.
 */
import assert from "node:assert/strict";
import { runCliScript } from "../testing/run_cli_script.ts";
import { SAMPLE_PATHS } from "../testing/fixtures.ts";
import type { ProtectReport } from "../protect/protect_file.ts";
import { formatProtectReport } from "./protect.ts";

/** Runs a command expected to fail before any work; returns its stderr lines. */
async function refused(script: string, args: string[]): Promise<string[]> {
  const { code, stdout, stderr } = await runCliScript(script, args);
  assert.notEqual(code, 0, `${script} ${args.join(" ")} succeeded`);
  assert.equal(stdout, "");
  assert.ok(!/^\s+at /m.test(stderr), stderr);
  return stderr.trim().split("\n");
}

Deno.test("protect: --attacked names the attacked detectors; the old --detectors still works", async (t) => {
  const input = SAMPLE_PATHS[0];
  const out = `${await Deno.makeTempDir({ prefix: "equalais-roles-" })}/out.png`;
  try {
    await t.step("new flag: one line, in the new flag's name", async () => {
      assert.deepEqual(await refused("protect.ts", [input, "-o", out, "--attacked", "haar"]), [
        "protect: error: --attacked: haar cannot be attacked (black-box); white-box ones " +
        "are blazeface-back, blazeface-front, mediapipe-full, faceapi-ssd, faceboxes, faceapi-tiny, " +
        "haar-smooth",
      ]);
    });
    await t.step("old flag: the same check, after one deprecation line", async () => {
      const lines = await refused("protect.ts", [input, "-o", out, "--detectors", "haar"]);
      assert.equal(lines.length, 2, lines.join("\n"));
      assert.equal(
        lines[0],
        "warning: protect: --detectors is now --attacked; the old flag still works",
      );
      assert.match(lines[1], /^protect: error: --attacked: haar cannot be attacked/);
    });
    await t.step("both: refused in one line", async () => {
      const args = [input, "-o", out, "--attacked", "blazeface-front", "--detectors", "haar"];
      assert.deepEqual(await refused("protect.ts", args), [
        "protect: error: give --attacked or its old name --detectors, not both",
      ]);
    });
    await t.step("usage names the new flag only", async () => {
      const help = await runCliScript("protect.ts", ["--help"]);
      assert.match(help.stdout, /\[--attacked LIST\|all-whitebox\|all-families\]/);
      assert.ok(!help.stdout.includes("--detectors"), help.stdout);
    });
  } finally {
    await Deno.remove(out.replace(/\/out\.png$/, ""), { recursive: true });
  }
});

Deno.test("evaluate: --judges names the judges; the old --detectors still works", async () => {
  const args = ["--clean", "a.png", "--protected", "b.png"];
  assert.deepEqual(
    await refused("evaluate.ts", [...args, "--judges", "yolo"]).then((l) => l.length),
    1,
  );
  const old = await refused("evaluate.ts", [...args, "--detectors", "yolo"]);
  assert.deepEqual(old.length, 2, old.join("\n"));
  assert.equal(
    old[0],
    "warning: evaluate: --detectors is now --judges; the old flag still works",
  );
  assert.match(old[1], /^evaluate: error: unknown detector "yolo"/);
  assert.deepEqual(
    await refused("evaluate.ts", [...args, "--judges", "haar", "--detectors", "haar"]),
    [
      "evaluate: error: give --judges or its old name --detectors, not both",
    ],
  );
});

Deno.test("protect's table lists every judge and marks the attacked ones", () => {
  const counts = (clean: number, out: number) => ({
    clean,
    protected: out,
    after_jpeg75: out,
  });
  const report = {
    input: "in.jpg",
    output: "out.png",
    backend: "wasm",
    preset: "standard",
    layers: { perturbation: false, stego: false, badge: false, metadata: false },
    psnr_db: 40,
    ssim: 0.99,
    linf: 4,
    seconds: 1,
    judges: { "blazeface-front": counts(3, 0), haar: counts(2, 2) },
    stego: null,
    badge: null,
    metadata: { dataMining: null },
    removed_metadata: [],
    notes: [],
  } as unknown as ProtectReport;
  const lines = formatProtectReport(report, ["blazeface-front"]).split("\n");
  assert.deepEqual(lines.slice(-3), [
    // The name column is 26 wide (the longest attacked id with its mark), then the counts
    // right-aligned under "input", "output" and "after JPEG q75".
    `${"judge".padEnd(26)} input  output  after JPEG q75`,
    "blazeface-front (attacked)     3       0               0",
    "haar                           2       2               2",
  ]);
});
