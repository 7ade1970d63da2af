/**
 * FaceBoxes' differentiable path computes what the deployed graph computes: its raw
 * outputs, decoded and suppressed like the graph (faceboxes_decode.ts), give the graph's
 * own faces on every sample at the photo's size (where the attack and the deployed graph
 * see it), and the same number of faces at 640 px; faceLogits is the face-minus-background
 * column.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { imageToTensor, tensorToImage } from "../image/rgb_image.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { FaceBoxesDetector } from "./faceboxes.ts";
import { decodeFaceBoxes } from "./faceboxes_decode.ts";
import { faceBoxesAnchors, faceBoxesPaddedSize } from "./faceboxes_anchors.ts";
import type { Face } from "./types.ts";

async function decoded(detector: FaceBoxesDetector, x: tf.Tensor4D): Promise<Face[]> {
  const { logits, encodings } = detector.rawPredictions(x);
  const [, height, width] = x.shape;
  const faces = decodeFaceBoxes(
    await logits.data(),
    await encodings.data(),
    height,
    width,
    detector.coder,
    detector.threshold,
  );
  tf.dispose([logits, encodings]);
  return faces;
}

Deno.test("faceboxes: decoded raw outputs are the graph's faces, at full size and at 640 px", async () => {
  await initBackend("wasm");
  const detector = await FaceBoxesDetector.load();
  const before = tf.memory().numTensors;
  try {
    for (let sample = 1; sample <= 6; sample++) {
      const photo = await readSample(sample);
      const full = imageToTensor(photo);
      const want = await detector.detect(photo);
      const got = await decoded(detector, full);
      assert.ok(want.length >= 3, `sample${sample}: the graph finds ${want.length} faces`);
      assert.equal(got.length, want.length, `sample${sample}: face count`);
      for (const [i, face] of want.entries()) {
        assert.ok(
          Math.abs(got[i].score - face.score) < 1e-4,
          `sample${sample} face ${i}: score ${got[i].score} vs ${face.score}`,
        );
        for (let k = 0; k < 4; k++) {
          assert.ok(
            Math.abs(got[i].box[k] - face.box[k]) < 1,
            `sample${sample} face ${i}: box ${got[i].box} vs ${face.box}`,
          );
        }
      }

      // The photo at 640 px (other padding, other anchors), in whole grey levels so both
      // paths see the same pixels.
      const scale = 640 / Math.max(photo.height, photo.width);
      const shape: [number, number] = [photo.height, photo.width].map((side) =>
        Math.round(side * scale)
      ) as [number, number];
      const small = tf.tidy(() => tf.image.resizeBilinear(full, shape).round() as tf.Tensor4D);
      const graphSmall = await detector.detect(await tensorToImage(small));
      const oursSmall = await decoded(detector, small);
      assert.equal(
        oursSmall.length,
        graphSmall.length,
        `sample${sample} at ${shape.join("x")}: face count`,
      );
      tf.dispose([full, small]);
    }
  } finally {
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
    detector.dispose();
  }
});

Deno.test("faceboxes: face logits are face minus background, anchor for anchor, in a batch", async () => {
  await initBackend("wasm");
  const detector = await FaceBoxesDetector.load();
  const before = tf.memory().numTensors;
  try {
    const photo = imageToTensor(await resizeImage(await readSample(2), 320));
    const batch: tf.Tensor4D = tf.tidy(() => tf.concat([photo, photo.reverse(2)]));
    const logits = detector.faceLogits(batch);
    const [, height, width] = photo.shape;
    const anchors = faceBoxesAnchors(...faceBoxesPaddedSize(height, width)).length / 4;
    assert.deepEqual(logits.shape, [2, anchors]);
    const { logits: classes, encodings } = detector.rawPredictions(batch);
    const pairs = await classes.data();
    const got = await logits.data() as Float32Array;
    const worst = got.reduce(
      (m: number, v: number, i: number) =>
        Math.max(m, Math.abs(v - (pairs[2 * i + 1] - pairs[2 * i]))),
      0,
    );
    assert.ok(worst < 1e-5, `max difference ${worst}`);
    // The first image of the batch gets the logits it gets alone.
    const alone = detector.faceLogits(photo);
    const single = await alone.data() as Float32Array;
    const spread = single.reduce(
      (m: number, v: number, i: number) => Math.max(m, Math.abs(v - got[i])),
      0,
    );
    assert.ok(spread < 1e-4, `batch changes logits by ${spread}`);
    tf.dispose([photo, batch, logits, classes, encodings, alone]);
  } finally {
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
    detector.dispose();
  }
});
