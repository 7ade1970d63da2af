/** Every white-box detector states its step time, which the thread plan weighs members by. */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { loadWhiteBoxDetector, WHITEBOX_IDS } from "./registry.ts";

Deno.test("stepMs: stated by every white-box detector; only FaceBoxes' follows the photo's size", async () => {
  await initBackend("wasm");
  for (const id of WHITEBOX_IDS) {
    const detector = await loadWhiteBoxDetector(id);
    assert.ok(detector.stepMs, `${id} states no step time`);
    const [small, large] = [detector.stepMs(188, 250), detector.stepMs(816, 1224)];
    assert.ok(small > 0 && large > 0, `${id}: ${small}, ${large}`);
    if (id === "faceboxes") {
      // Fully convolutional at the photo's own size: cost in proportion to its pixels.
      assert.ok(Math.abs(large / small - (816 * 1224) / (188 * 250)) < 1e-9);
    } else {
      assert.equal(small, large, `${id} runs at a fixed input size`);
    }
  }
});
