/**
 * Our blazeface-back decoding agrees with Human's own: with the mesh stage off, Human
 * returns its detector's boxes enlarged 1.4x and made square; our boxes, given the
 * same treatment, match them one to one (IoU >= 0.5) on all six samples.
 */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { loadDetector } from "./registry.ts";
import { humanFaceConfig } from "./human_pipeline.ts";
import { iou } from "./nms.ts";
import type { Face } from "./types.ts";
import { readSample } from "../testing/fixtures.ts";
// @ts-types="../../node_modules/@vladmandic/human/types/human.d.ts"
import * as HumanModule from "../../node_modules/@vladmandic/human/dist/human.node-wasm.js";

function asHumanBox(box: Face["box"]): Face["box"] {
  const [x, y, w, h] = box;
  const side = 1.4 * Math.max(w, h);
  const cx = x + w / 2;
  const cy = y + h / 2;
  return [cx - side / 2, cy - side / 2, side, side];
}

Deno.test("blazeface-back boxes agree with human.detect's detector stage", async () => {
  await initBackend("wasm");
  const ours = await loadDetector("blazeface-back");
  const human = new HumanModule.Human(humanFaceConfig({ mesh: false }));
  await human.load();
  let total = 0;
  for (let i = 1; i <= 6; i++) {
    const image = await readSample(i);
    const input = imageToTensor(image);
    const result = await human.detect(input);
    input.dispose();
    const theirs = result.face.map((f) => f.box as Face["box"]);
    const mine = (await ours.detect(image)).map((f) => asHumanBox(f.box));
    assert.equal(
      mine.length,
      theirs.length,
      `sample${i}: ${mine.length} faces vs Human's ${theirs.length}`,
    );
    for (const box of mine) {
      const best = Math.max(...theirs.map((t) => iou(box, t)));
      assert.ok(best >= 0.5, `sample${i}: box ${box.map(Math.round)} has IoU ${best} with Human's`);
    }
    total += mine.length;
  }
  assert.equal(total, 23);
});
