/** `evaluate` and `metrics` as a user runs them. */
import assert from "node:assert/strict";
import sharp from "sharp";
import { runCliScript } from "../testing/run_cli_script.ts";
import { SAMPLE_PATHS } from "../testing/fixtures.ts";

function run(script: string, args: string[]) {
  return runCliScript(script, args);
}

Deno.test("evaluate: a protected photo against its original, per detector and channel", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-evaluate-" });
  try {
    const clean = `${dir}/clean.png`;
    await sharp(SAMPLE_PATHS[0]).resize({ width: 480 }).png().toFile(clean);
    const protectedPath = `${dir}/protected.png`;
    const made = await run("protect.ts", [
      clean,
      "-o",
      protectedPath,
      "--attacked",
      "blazeface-front",
      "--attack",
      "pgd",
      "--steps",
      "40",
      "--no-robust",
      "--quiet",
    ]);
    assert.equal(made.code, 0, made.stderr);
    const { code, stdout, stderr } = await run("evaluate.ts", [
      "--clean",
      clean,
      "--protected",
      protectedPath,
      "--channels",
      "identity,jpeg75",
      "--judges",
      "blazeface-front,faceboxes",
      "--json",
    ]);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout);
    for (const key of ["psnr_db", "ssim_rgb", "ssim_luma", "linf", "results"]) {
      assert.ok(key in report);
    }
    assert.ok(report.psnr_db > 30 && report.ssim_rgb > 0.8);
    assert.equal(report.results.length, 4);
    const attacked = report.results.find((r: { detector: string; channel: string }) =>
      r.detector === "blazeface-front" && r.channel === "identity"
    );
    assert.equal(attacked.clean_faces, 3);
    // The attacked detector lost faces; the rate is exactly matched / clean.
    assert.ok(attacked.matched < 3 && attacked.matched <= attacked.protected_faces);
    assert.equal(attacked.detection_rate, attacked.matched / 3);
    const judge = report.results.find((r: { detector: string; channel: string }) =>
      r.detector === "faceboxes" && r.channel === "identity"
    );
    assert.ok(judge.clean_faces >= 2 && judge.detection_rate > 0, "faceboxes is not attacked");

    const metrics = await run("metrics.ts", [clean, protectedPath, "--json"]);
    assert.equal(metrics.code, 0, metrics.stderr);
    const m = JSON.parse(metrics.stdout);
    assert.equal(m.linf, report.linf);
    assert.ok(Math.abs(m.psnr_db - report.psnr_db) < 1e-9);

    const bad = await run("evaluate.ts", ["--clean", clean, "--protected", `${dir}/nope.png`]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /nope\.png: file not found/);
    const badChannel = await run("evaluate.ts", [
      "--clean",
      clean,
      "--protected",
      protectedPath,
      "--channels",
      "jpeg42",
    ]);
    assert.match(badChannel.stderr, /unknown channel "jpeg42"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
