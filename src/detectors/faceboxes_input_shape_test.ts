/**
 * FaceBoxes' working shape: the photo's own size (where the deployed graph sees it), scaled
 * down only above 3 MP. The objective's use of it, and a gradient worker's, are checked in
 * src/attacks/working_shape_objective_test.ts.
 */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { loadWhiteBoxDetector } from "./registry.ts";

Deno.test("faceboxes: the attack takes the photo at its own size, up to 3 MP", async () => {
  await initBackend("wasm");
  const detector = await loadWhiteBoxDetector("faceboxes");
  assert.ok(detector.inputShape, "faceboxes has its own input shape");
  assert.deepEqual(detector.inputShape(1280, 1920), [1280, 1920]);
  assert.deepEqual(detector.inputShape(853, 1280), [853, 1280]);
  // Over 3 MP: scaled to 3 MP (12 MP by half on each side), aspect ratio kept.
  assert.deepEqual(detector.inputShape(3000, 4000), [1500, 2000]);
});
