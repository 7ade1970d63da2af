/**
 * face-api's detectors: both find the faces in the six samples, and faceapi-ssd's face
 * logits are face-api's own scores before the sigmoid. Its input gradients are checked
 * with every white-box detector's in gradient_test.ts.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { faceapi, FaceApiSsdDetector, loadFaceApiWeights } from "./faceapi_ssd.ts";
import { FaceApiTinyDetector } from "./faceapi_tiny.ts";
import type { Detector } from "./types.ts";

/** Faces per sample (1-6) on the wasm backend; each may be off by one, the total by two. */
const EXPECTED_FACES: Record<string, number[]> = {
  "faceapi-ssd": [3, 3, 3, 4, 5, 4],
  "faceapi-tiny": [3, 2, 3, 4, 5, 4],
};

let ssd: Promise<FaceApiSsdDetector> | undefined;
let tiny: Promise<FaceApiTinyDetector> | undefined;

async function loadSsd(): Promise<FaceApiSsdDetector> {
  await initBackend("wasm");
  ssd ??= FaceApiSsdDetector.load();
  return await ssd;
}

async function loadTiny(): Promise<FaceApiTinyDetector> {
  await initBackend("wasm");
  tiny ??= FaceApiTinyDetector.load();
  return await tiny;
}

const LOADERS: [string, string, () => Promise<Detector>][] = [
  ["faceapi-ssd", "ssd-mobilenet", loadSsd],
  ["faceapi-tiny", "tiny-yolo", loadTiny],
];

for (const [id, family, load] of LOADERS) {
  Deno.test(`${id}: finds the faces in the six samples`, async () => {
    const detector = await load();
    assert.equal(detector.id, id);
    assert.equal(detector.family, family);
    const counts: number[] = [];
    for (let i = 1; i <= 6; i++) {
      const image = await readSample(i);
      const tensorsBefore = tf.memory().numTensors;
      const faces = await detector.detect(image);
      assert.equal(tf.memory().numTensors, tensorsBefore, `${detector.id}: detect leaks tensors`);
      for (const face of faces) {
        const [x, y, w, h] = face.box;
        assert.ok(w > 20 && h > 20, `${detector.id}: sample${i}: small box ${face.box}`);
        assert.ok(
          x >= 0 && y >= 0 && x + w <= image.width + 1 && y + h <= image.height + 1,
          `${detector.id}: sample${i}: box ${face.box} leaves the image`,
        );
        assert.ok(face.score >= detector.threshold && face.score <= 1, `score ${face.score}`);
      }
      counts.push(faces.length);
    }
    const expected = EXPECTED_FACES[detector.id];
    counts.forEach((n, i) =>
      assert.ok(
        Math.abs(n - expected[i]) <= 1,
        `${detector.id}: sample${i + 1}: ${n} faces, expected ${expected[i]}`,
      )
    );
    const total = counts.reduce((a, b) => a + b, 0);
    const expectedTotal = expected.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - expectedTotal) <= 2, `${detector.id}: ${total} faces in all`);
  });
}

Deno.test("faceapi-ssd: faceLogits are face-api's scores before the sigmoid", async () => {
  const detector = await loadSsd();
  assert.equal(detector.inputSize, 512);
  assert.equal(detector.logitThreshold, 0);
  // sample1 is 1920x1280: face-api pads it to a square before resizing.
  const image = await readSample(1);
  const x = imageToTensor(image);
  const ours = await tf.tidy(() => tf.sigmoid(detector.faceLogits(x))).data() as Float32Array;
  assert.equal(ours.length, 5118);

  // face-api's own forward pass on a second copy of the weights.
  const net = new faceapi.SsdMobilenetv1();
  net.loadFromWeightMap(
    await loadFaceApiWeights("ssd_mobilenetv1_model") as unknown as faceapi.tf.NamedTensorMap,
  );
  const input = x.squeeze([0]);
  const { boxes, scores } = await net.forward(input as unknown as faceapi.TNetInput);
  const theirs = await (scores[0] as unknown as tf.Tensor).data() as Float32Array;
  tf.dispose([input, ...boxes as unknown as tf.Tensor[], ...scores as unknown as tf.Tensor[]]);
  net.dispose();
  let maxDiff = 0;
  for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
  assert.ok(maxDiff < 1e-5, `sigmoid(faceLogits) differs from face-api's scores by ${maxDiff}`);

  // detect() keeps the best anchors: each face's score is an anchor's, the best one first.
  const faces = await detector.detect(image);
  const best = ours.reduce((m, v) => Math.max(m, v), 0);
  assert.ok(best > 0.5, `best anchor score ${best}`);
  assert.ok(Math.abs(faces[0].score - best) < 1e-5, `top face ${faces[0].score} vs ${best}`);
  for (const face of faces) {
    assert.ok(ours.some((v) => Math.abs(v - face.score) < 1e-5), `no anchor scores ${face.score}`);
  }
  assert.ok(ours.filter((v) => v > detector.threshold).length >= faces.length);

  // What an attack feeds it: the photo at inputShape (aspect kept; preprocess pads it as
  // face-api does) sees what face-api sees, up to resampling; a 512x512 squash did not.
  assert.deepEqual(detector.inputShape(1280, 1920), [341, 512]);
  assert.deepEqual(detector.inputShape(300, 200), [300, 200]);
  const scoresAt = (shape: [number, number]) =>
    tf.tidy(() =>
      tf.sigmoid(detector.faceLogits(tf.image.resizeBilinear(x, shape))).dataSync()
    ) as Float32Array;
  const worstAt = (shape: [number, number]) =>
    scoresAt(shape).reduce(
      (m: number, v: number, i: number) => Math.max(m, Math.abs(v - theirs[i])),
      0,
    );
  const kept = worstAt(detector.inputShape(1280, 1920));
  const squashed = worstAt([512, 512]);
  assert.ok(kept < 0.1 && squashed > 5 * kept, `aspect kept ${kept}, squashed ${squashed}`);

  // A batch gives each image's logits: [x, mirrored x] against x alone.
  const small = imageToTensor(await resizeImage(image, 240));
  const [single, pair] = tf.tidy(() => [
    detector.faceLogits(small),
    detector.faceLogits(tf.concat([small, small.reverse(2)])),
  ]);
  assert.deepEqual(pair.shape, [2, 5118]);
  const rowDiff = tf.tidy(() => pair.slice([0, 0], [1, -1]).sub(single).abs().max().dataSync()[0]);
  assert.ok(rowDiff < 1e-4, `batched logits differ from single ones by ${rowDiff}`);
  tf.dispose([x, small, single, pair]);
});

// A smooth loss over all anchors: what an attack pushes down.
