/**
 * faceapi-tiny's differentiable path is face-api's TinyFaceDetector: its raw output is
 * face-api's own forward pass, and decoding it with face-api's anchors, the 0.4
 * threshold and NMS at IoU 0.4 finds the faces face-api's `locateFaces` finds in the six
 * samples. Its input gradients are checked with every white-box detector's in
 * gradient_test.ts.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { imageToTensor, type RgbImage } from "../image/rgb_image.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { faceapi, loadFaceApiWeights } from "./faceapi_ssd.ts";
import { FaceApiTinyDetector } from "./faceapi_tiny.ts";
import { decodeTinyBoxes } from "./faceapi_tiny_decode.ts";
import { nonMaxSuppression } from "./nms.ts";

let tiny: Promise<FaceApiTinyDetector> | undefined;

async function loadTiny(): Promise<FaceApiTinyDetector> {
  await initBackend("wasm");
  tiny ??= FaceApiTinyDetector.load();
  return await tiny;
}

/** A crop of an image (to get portrait and small inputs from the landscape samples). */
function crop(image: RgbImage, x: number, y: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const from = ((y + row) * image.width + x) * 3;
    data.set(image.data.subarray(from, from + width * 3), row * width * 3);
  }
  return { width, height, data };
}

Deno.test("faceapi-tiny: threshold, input size and logit threshold agree", async () => {
  const detector = await loadTiny();
  assert.equal(detector.inputSize, 608);
  assert.equal(detector.threshold, 0.4);
  // sigmoid(logitThreshold) is the score threshold.
  assert.ok(Math.abs(1 / (1 + Math.exp(-detector.logitThreshold)) - 0.4) < 1e-12);
  assert.equal(detector.anchors.length, 5);
});

Deno.test("faceapi-tiny: the raw output is face-api's forward pass, for any image shape", async () => {
  const detector = await loadTiny();
  const net = new faceapi.TinyFaceDetector();
  net.loadFromWeightMap(
    await loadFaceApiWeights("tiny_face_detector_model") as unknown as faceapi.tf.NamedTensorMap,
  );
  const sample = await readSample(2);
  // Landscape (padded below), portrait (padded to the right), and one below 608 px
  // (upsampled): each path of face-api's toBatchTensor.
  for (const image of [sample, crop(sample, 500, 100, 700, 1000), await resizeImage(sample, 400)]) {
    const x = imageToTensor(image);
    const before = tf.memory().numTensors;
    const ours = detector.forwardRaw(x);
    assert.equal(tf.memory().numTensors, before + 1, "forwardRaw leaks tensors");
    assert.deepEqual(ours.shape, [1, 19, 19, 25]);
    const input = x.squeeze([0]);
    const theirs = await net.forward(input as unknown as faceapi.TNetInput, 608);
    const diff = tf.tidy(() => ours.sub(theirs as unknown as tf.Tensor).abs().max().dataSync()[0]);
    assert.ok(diff < 1e-5, `${image.width}x${image.height}: differs from face-api by ${diff}`);
    // The face logits are the objectness channel, in face-api's row, column, anchor order.
    const logits = detector.faceLogits(x);
    assert.deepEqual(logits.shape, [1, 1805]);
    const objectness = tf.tidy(() => ours.reshape([1, 1805, 5]).slice([0, 0, 4], [1, 1805, 1]));
    assert.deepEqual(await logits.data(), await objectness.data());
    tf.dispose([x, ours, input, theirs as unknown as tf.Tensor, logits, objectness]);
  }
  net.dispose();
});

Deno.test("faceapi-tiny: decoded faceLogits path finds face-api's faces in the six samples", async () => {
  const detector = await loadTiny();
  for (let i = 1; i <= 6; i++) {
    const image = await readSample(i);
    const theirs = await detector.detect(image);
    const x = imageToTensor(image);
    const raw = detector.forwardRaw(x);
    const values = await raw.data();
    tf.dispose([x, raw]);
    const candidates = decodeTinyBoxes(values, {
      anchors: detector.anchors,
      inputSize: detector.inputSize,
      imageWidth: image.width,
      imageHeight: image.height,
      scoreThreshold: detector.threshold,
    });
    const ours = nonMaxSuppression(candidates, 0.4);
    assert.equal(ours.length, theirs.length, `sample${i}: ${ours.length} vs ${theirs.length}`);
    assert.ok(ours.length > 0, `sample${i}: no faces`);
    // Both lists come best first.
    ours.forEach((face, k) => {
      const other = theirs[k];
      assert.ok(Math.abs(face.score - other.score) < 1e-5, `sample${i}: score ${face.score}`);
      const off = Math.max(...face.box.map((v, j) => Math.abs(v - other.box[j])));
      assert.ok(off <= 1, `sample${i}: box ${face.box} vs face-api's ${other.box}`);
    });
  }
});

Deno.test("faceapi-tiny: a batch gives each image's logits, and nothing leaks", async () => {
  const detector = await loadTiny();
  const image = await resizeImage(await readSample(3), 320);
  const x = imageToTensor(image);
  const mirrored = x.reverse(2);
  const gradient = tf.grad((input) => tf.sigmoid(detector.faceLogits(input as tf.Tensor4D)).sum());
  // The first gradient caches flipped filters and pooling constants (filter_cache.ts).
  gradient(x).dispose();
  const before = tf.memory().numTensors;
  const [pair, first, second] = tf.tidy(() => [
    detector.faceLogits(tf.concat([x, mirrored])),
    detector.faceLogits(x),
    detector.faceLogits(mirrored),
  ]);
  assert.deepEqual(pair.shape, [2, 1805]);
  const rowDiff = (row: number, single: tf.Tensor) =>
    tf.tidy(() => pair.slice([row, 0], [1, -1]).sub(single).abs().max().dataSync()[0]);
  assert.ok(rowDiff(0, first) < 1e-4, `image 1: ${rowDiff(0, first)}`);
  assert.ok(rowDiff(1, second) < 1e-4, `image 2: ${rowDiff(1, second)}`);
  // The mirror sees a different picture: the check compares something.
  assert.ok(tf.tidy(() => first.sub(second).abs().max().dataSync()[0]) > 0.01);
  tf.dispose([pair, first, second]);
  // A gradient step leaves no tensors behind either.
  gradient(x).dispose();
  assert.equal(tf.memory().numTensors, before, "faceLogits or its gradient leaks tensors");
  tf.dispose([x, mirrored]);
});

Deno.test("faceapi-tiny: the attack's working shape keeps the aspect ratio, at most 608", async () => {
  const detector = await loadTiny();
  assert.deepEqual(detector.inputShape(1280, 1920), [405, 608]);
  assert.deepEqual(detector.inputShape(1000, 500), [608, 304]);
  assert.deepEqual(detector.inputShape(300, 400), [300, 400]);
});

Deno.test("faceapi-tiny: at the working shape the network finds face-api's faces", async () => {
  // What the attack differentiates: the photo bilinearly resized to inputShape (as the
  // objective's view does), then padded by faceLogits. Measured on the samples: the same
  // faces, boxes within 6.4 px (2 network pixels) of face-api's on 1920 px photos, and
  // scores within 0.09; the short side's rounding shifts the sampling grid by up to one
  // photo pixel, which the unfiltered 3x downsampling turns into a different sample. A
  // square resize (stretching the faces) lost a face on two samples and moved logits by
  // up to 33.
  const detector = await loadTiny();
  for (let i = 1; i <= 6; i++) {
    const image = await readSample(i);
    const theirs = await detector.detect(image);
    const [height, width] = detector.inputShape(image.height, image.width);
    const raw = tf.tidy(() =>
      detector.forwardRaw(tf.image.resizeBilinear(imageToTensor(image), [height, width]))
    );
    const values = await raw.data();
    raw.dispose();
    const [sx, sy] = [image.width / width, image.height / height];
    const candidates = decodeTinyBoxes(values, {
      anchors: detector.anchors,
      inputSize: detector.inputSize,
      imageWidth: width,
      imageHeight: height,
      scoreThreshold: detector.threshold,
    }).map((f) => ({
      score: f.score,
      box: [f.box[0] * sx, f.box[1] * sy, f.box[2] * sx, f.box[3] * sy] as typeof f.box,
    }));
    const ours = nonMaxSuppression(candidates, 0.4);
    assert.equal(ours.length, theirs.length, `sample${i}: ${ours.length} vs ${theirs.length}`);
    const networkPixel = Math.max(image.width, image.height) / detector.inputSize;
    ours.forEach((face, k) => {
      const off = Math.max(...face.box.map((v, j) => Math.abs(v - theirs[k].box[j])));
      assert.ok(off <= 3 * networkPixel, `sample${i}: box ${face.box} vs ${theirs[k].box}`);
      assert.ok(Math.abs(face.score - theirs[k].score) < 0.15, `sample${i}: score ${face.score}`);
    });
  }
});
