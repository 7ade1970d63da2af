/**
 * faceLogits (read from the classifier outputs) is column 0 of the assembled predictions
 * detect() decodes, anchor for anchor, at the model's size and at a photo's.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { BlazeFamilyDetector } from "./blazeface_family.ts";
import { loadWhiteBoxDetector } from "./registry.ts";

for (const id of ["blazeface-back", "blazeface-front", "mediapipe-full"]) {
  Deno.test(`${id}: face logits are the predictions' logit column`, async () => {
    await initBackend("wasm");
    const detector = await loadWhiteBoxDetector(id);
    assert.ok(detector instanceof BlazeFamilyDetector);
    const photo = imageToTensor(await resizeImage(await readSample(2), 320));
    const size = detector.inputSize;
    const square: tf.Tensor4D = tf.image.resizeBilinear(photo, [size, size]);
    // The photo itself, and a batch of two at the model's size (the resize is skipped).
    const batch: tf.Tensor4D = tf.concat([square, square.reverse(2)]);
    for (const input of [photo, batch]) {
      const logits: tf.Tensor = detector.faceLogits(input);
      const column: tf.Tensor = tf.tidy(() =>
        detector.rawPredictions(input, true).slice([0, 0, 0], [-1, -1, 1]).squeeze([2])
      );
      assert.deepEqual(logits.shape, column.shape);
      const got = await logits.data() as Float32Array;
      const want = await column.data() as Float32Array;
      const worst = want.reduce(
        (m: number, v: number, i: number) => Math.max(m, Math.abs(v - got[i])),
        0,
      );
      assert.ok(worst < 1e-4, `${id}: max difference ${worst}`);
      tf.dispose([logits, column]);
    }
    tf.dispose([photo, square, batch]);
  });
}
