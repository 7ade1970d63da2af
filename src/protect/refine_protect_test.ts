/**
 * Visibility refinement on a real photo: protecting a small portrait with the defaults
 * gives a file closer to the input (SSIM outside the badge) than the same protection
 * without refinement, and closer than without the region search at the ceiling, and no
 * attacked detector finds a face on any written file nor on its JPEG q75 copy (judged afresh
 * by the filter's report on the encoded bytes).
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { initBackend } from "../backend.ts";
import { DEFAULT_SOURCE_IDS } from "../detectors/registry.ts";
import { DEV_DIR } from "../paths.ts";
import { PROTECT_DEFAULTS } from "./defaults.ts";
import { protectPhotoBytes } from "./filter.ts";

// A development-set portrait (installed by set-up) at a profile-picture size, where the
// change shows most.
const PORTRAIT = `${DEV_DIR}/tom-cruise-2014.jpg`;

Deno.test("refinement makes a protected portrait less changed and keeps every face hidden", async () => {
  await initBackend("wasm");
  const input = new Uint8Array(
    await sharp(PORTRAIT).resize(192).jpeg({ quality: 92 }).toBuffer(),
  );
  assert.ok(PROTECT_DEFAULTS.attackOptions.refineSteps > 0, "refinement is on by default");
  // One attempt each (no second attempt for a visible change): this compares what refinement
  // and the region search do to the same attack.
  const refined = await protectPhotoBytes(input, {
    format: "jpeg",
    perturb: { visibleRetry: false },
  });
  const plain = await protectPhotoBytes(input, {
    format: "jpeg",
    perturb: {
      attackOptions: { ...PROTECT_DEFAULTS.attackOptions, refineSteps: 0 },
      visibleRetry: false,
    },
  });
  assert.ok(PROTECT_DEFAULTS.ceilingRegionChecks > 0, "the region search is on by default");
  const wholeChange = await protectPhotoBytes(input, {
    format: "jpeg",
    perturb: { ceilingRegionChecks: 0, visibleRetry: false },
  });
  const runs = [["refined", refined], ["plain", plain], ["whole change", wholeChange]] as const;
  for (const [name, { report }] of runs) {
    assert.equal(report.fully_protected, true, `${name}: ${JSON.stringify(report.faces)}`);
    for (const id of DEFAULT_SOURCE_IDS) {
      assert.ok(report.faces[id].clean >= 1, `${name}: ${id} finds no face on the clean photo`);
      assert.equal(report.faces[id].output, 0, `${name}: ${id} on the file`);
      assert.equal(report.faces[id].after_jpeg75, 0, `${name}: ${id} after q75`);
    }
  }
  // Same budget ladder and seed up to the first protected check: refinement only removes.
  assert.equal(refined.report.eps, plain.report.eps);
  assert.ok(refined.report.steps_run > plain.report.steps_run);
  assert.ok(
    refined.report.ssim > plain.report.ssim + 0.01,
    `SSIM refined ${refined.report.ssim} vs plain ${plain.report.ssim}`,
  );
  assert.ok(refined.report.psnr_db > plain.report.psnr_db, "PSNR");
  // This portrait needs the ceiling, where the region search runs after the boundary search:
  // the same steps, then blocks of the change cut back while every face stays hidden.
  assert.equal(
    refined.report.eps,
    PROTECT_DEFAULTS.eps,
    "the portrait is protected at the ceiling",
  );
  assert.equal(refined.report.steps_run, wholeChange.report.steps_run);
  assert.ok(
    refined.report.ssim > wholeChange.report.ssim,
    `SSIM with the region search ${refined.report.ssim} vs without ${wholeChange.report.ssim}`,
  );
});
