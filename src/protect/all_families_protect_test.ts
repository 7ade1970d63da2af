/**
 * The all-families preset end to end: a 256 px wide portrait from the development set is
 * protected so that none of the six neural detectors (four families) finds a face on the
 * written JPEG file nor on its JPEG q75 copy, with the ensemble weights adaptive.
 */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { ALL_FAMILIES_IDS } from "../detectors/registry.ts";
import { DEV_DIR } from "../paths.ts";
import { protectPhotoBytes } from "./filter.ts";

// A real portrait from the development set (data/dev, installed by set-up), 256x362, on
// which all six detectors find the face (face-api's Tiny misses it on a square top crop).
const PORTRAIT = `${DEV_DIR}/tom-cruise-2014-w256.jpg`;

Deno.test("all-families hides a 256 px portrait from all six neural detectors, also after JPEG q75", async () => {
  await initBackend("wasm");
  const input = await Deno.readFile(PORTRAIT);
  const started = performance.now();
  const { report } = await protectPhotoBytes(input, { format: "jpeg", preset: "all-families" });
  console.log(
    `all-families, 256 px: ${((performance.now() - started) / 1000).toFixed(1)} s, ` +
      `${report.steps_run} steps, eps ${report.eps}, SSIM ${report.ssim}; ` +
      JSON.stringify(report.faces),
  );
  assert.deepEqual(report.attacked, [...ALL_FAMILIES_IDS]);
  assert.equal(report.balance, "adaptive");
  for (const id of ALL_FAMILIES_IDS) {
    const faces = report.faces[id];
    assert.ok(
      faces.clean >= 1,
      `${id} finds no face on the clean photo: the test would prove nothing`,
    );
    assert.equal(faces.output, 0, `${id} finds ${faces.output} on the written file`);
    assert.equal(faces.after_jpeg75, 0, `${id} finds ${faces.after_jpeg75} after JPEG q75`);
  }
  assert.equal(report.fully_protected, true);
});
