/**
 * On the webgpu backend (the software adapter in CI) every white-box detector's input
 * gradient matches the cpu backend's (tfjs's own kernels), with no WebGPU errors.
 *
 * Tolerance: relative L2 difference below 2%. Measured on llvmpipe (sample1 at 160 px):
 * blazeface-front 1.8e-6, blazeface-back 4.8e-4, mediapipe-full 5.3e-3, faceapi-ssd
 * 3.8e-3 at 512 px, faceapi-tiny 2.0e-4 at 160 px, faceboxes 2.9e-7; the backends round differently, so a few ReLUs at zero switch (the
 * wasm/cpu comparison in detectors/gradient_test.ts allows 3%). A broken kernel gives
 * 100% (tfjs's rank-6 Pad on webgpu returned zeros until conv_framing.ts avoided it).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { loadWhiteBoxDetector, WHITEBOX_IDS } from "../detectors/registry.ts";
import { FaceApiSsdDetector } from "../detectors/faceapi_ssd.ts";
import { FaceApiTinyDetector } from "../detectors/faceapi_tiny.ts";
import type { WhiteBoxDetector } from "../detectors/types.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { webgpuErrors } from "./webgpu_backend.ts";
import { WEBGPU_SKIP_REASON } from "./webgpu_testing.ts";

const TOLERANCE = 0.02;

/**
 * face-api's SSD at a 128 px network input instead of 512: the network is fully
 * convolutional, so the same ops run, 16 times cheaper on a software adapter.
 */
async function smallSsd(): Promise<WhiteBoxDetector> {
  const detector = await FaceApiSsdDetector.load();
  detector.preprocess = (images: tf.Tensor4D) =>
    tf.tidy(() => tf.image.resizeBilinear(images, [128, 128]).div(127.5).sub(1) as tf.Tensor4D);
  return detector;
}

/**
 * face-api's Tiny detector at a 160 px network input instead of 608 (fully convolutional:
 * the same ops on a 5x5 grid, about 14 times cheaper; 608 took 66 s on llvmpipe), with
 * face-api's mean-RGB normalisation.
 */
async function smallTiny(): Promise<WhiteBoxDetector> {
  const detector = await FaceApiTinyDetector.load();
  detector.preprocess = (images: tf.Tensor4D) =>
    tf.tidy(() =>
      tf.image.resizeBilinear(images, [160, 160]).sub(tf.tensor1d([117.001, 114.697, 97.404]))
        .div(255) as tf.Tensor4D
    );
  return detector;
}

/** Detectors whose full-size network would take minutes on a software adapter. */
const SMALL: Record<string, () => Promise<WhiteBoxDetector>> = {
  "faceapi-ssd": smallSsd,
  "faceapi-tiny": smallTiny,
};

async function gradientOn(
  backend: "cpu" | "webgpu",
  id: string,
  x: tf.Tensor4D,
): Promise<Float32Array> {
  await initBackend(backend);
  const detector = SMALL[id] ? await SMALL[id]() : await loadWhiteBoxDetector(id);
  const input = tf.clone(x); // a copy on this backend
  const g = tf.grad((images) => tf.sigmoid(detector.faceLogits(images as tf.Tensor4D)).sum())(
    input,
  );
  const values = await g.data() as Float32Array;
  tf.dispose([g, input]);
  if (SMALL[id]) detector.dispose();
  return values;
}

for (const id of WHITEBOX_IDS) {
  Deno.test({
    name: `${id}: webgpu input gradient matches the cpu backend's`,
    ignore: WEBGPU_SKIP_REASON !== undefined,
  }, async () => {
    await initBackend("cpu");
    const x = imageToTensor(await resizeImage(await readSample(1), 160));
    const reference = await gradientOn("cpu", id, x);
    const errorsBefore = webgpuErrors().length;
    const start = performance.now();
    const gpu = await gradientOn("webgpu", id, x);
    const seconds = (performance.now() - start) / 1000;
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < reference.length; i++) {
      diff += (reference[i] - gpu[i]) ** 2;
      norm += reference[i] ** 2;
    }
    const relative = Math.sqrt(diff / norm);
    console.log(
      `${id}: webgpu vs cpu gradient relative L2 ${relative.toExponential(2)} ` +
        `(webgpu ${seconds.toFixed(1)} s including shader compilation)`,
    );
    assert.deepEqual(webgpuErrors().slice(errorsBefore), []);
    assert.ok(norm > 0, `${id}: the cpu gradient is all zeros`);
    assert.ok(relative < TOLERANCE, `${id}: webgpu and cpu gradients differ by ${relative}`);
    x.dispose();
    await initBackend("wasm");
  });
}
