/**
 * The ghost hooks of face-api's SSD and Tiny (dropout after every activation of their
 * hand-written forwards) and FaceBoxes (erosion nodes in its gradient graph): rate 0 is the
 * exact network (none of them has residual sums for skip erosion), the same seed the same
 * ghost, and at a small rate the eroded network still scores sample1's faces above its
 * threshold. The BlazeFace family's are in src/models/ghost_graph_test.ts.
 */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { FaceApiSsdDetector } from "./faceapi_ssd.ts";
import { FaceApiTinyDetector } from "./faceapi_tiny.ts";
import { FaceBoxesDetector } from "./faceboxes.ts";

const LOADERS = [
  () => FaceApiSsdDetector.load(),
  () => FaceApiTinyDetector.load(),
  () => FaceBoxesDetector.load(),
];

for (const load of LOADERS) {
  Deno.test(`ghosts: ${load.toString().match(/(\w+)\.load/)![1]}: rate 0 exact, seeded, still a detector`, async () => {
    await initBackend("wasm");
    const detector = await load();
    const image = imageToTensor(await resizeImage(await readSample(1), 480));
    const logits = (dropout: number, seed: number) => {
      detector.setGhost(dropout === -1 ? undefined : { dropout, skip: 0.3, seed });
      return detector.faceLogits(image).data();
    };
    const exact = await logits(-1, 0);
    assert.deepEqual(await logits(0, 1), exact, "rate 0 (no residual sums to erode here)");
    const ghost = await logits(0.01, 1);
    assert.deepEqual(await logits(0.01, 1), ghost);
    assert.notDeepEqual(ghost, exact);
    const over = (values: ArrayLike<number>) =>
      Array.from(values).filter((v) => v > detector.logitThreshold).length;
    assert.ok(over(exact) >= 3);
    for (const [seed, values] of [[1, ghost], [2, await logits(0.01, 2)]] as const) {
      const n = over(values);
      assert.ok(
        n >= 3 && n <= 3 * over(exact),
        `seed ${seed}: ${n} anchors (exact ${over(exact)})`,
      );
    }
    assert.throws(
      () => detector.setGhost({ dropout: 1, skip: 0, seed: 0 }),
      /ghost dropout must be a rate/,
    );
    detector.setGhost(undefined);
    image.dispose();
    detector.dispose();
  });
}
