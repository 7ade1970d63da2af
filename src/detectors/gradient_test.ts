/**
 * Gradients of every white-box detector's face logits with respect to input pixels:
 * checked against central finite differences on a real photo, and between the wasm
 * backend (with our gradient shims) and the cpu backend (tfjs's own kernels).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { loadWhiteBoxDetector, WHITEBOX_IDS } from "./registry.ts";
import type { WhiteBoxDetector } from "./types.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { relativeL2 } from "../testing/relative_l2.ts";

// A smooth loss over all anchors: what an attack pushes down.
function faceScoreSum(detector: WhiteBoxDetector, x: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => tf.sigmoid(detector.faceLogits(x)).sum() as tf.Scalar);
}

// The same loss summed in float64: a float32 sum over FaceBoxes' ~9,000 anchors (loss ~530)
// rounds by ~3e-4, which moved its finite differences by 25% at h = 0.005.
function lossAt(detector: WhiteBoxDetector, x: tf.Tensor4D): number {
  const scores = tf.tidy(() => tf.sigmoid(detector.faceLogits(x)));
  const values = scores.dataSync();
  scores.dispose();
  let sum = 0;
  for (const value of values) sum += value;
  return sum;
}

for (const id of WHITEBOX_IDS) {
  Deno.test(`${id}: input gradient matches finite differences and the cpu backend`, async () => {
    await initBackend("wasm");
    const detector = await loadWhiteBoxDetector(id);
    // A real photo at 480 px wide keeps the cpu pass affordable; faces stay detectable.
    const image = await resizeImage(await readSample(1), 480);
    const x = imageToTensor(image);
    const gradient = tf.grad((input) => faceScoreSum(detector, input as tf.Tensor4D));
    const g = gradient(x);

    // Directional derivatives by central differences, along a seeded Gaussian direction
    // (unit variance per pixel) and along the gradient itself (L2 norm 100, since it
    // concentrates on few pixels). h = 0.005: small enough that few ReLUs change state,
    // large enough that float32 loss differences stay above rounding. Measured: the
    // finite differences scatter by about +-0.01 across step sizes (float32 sums over
    // thousands of anchors), so the tolerance is 5% plus 0.02. Along the gradient the
    // derivative is ~20, so there it is a pure 5% check.
    const gaussian = tf.randomNormal(x.shape, 0, 1, "float32", 7);
    const alongGradient = tf.tidy(() => g.div(g.norm()).mul(100));
    for (const [name, v] of [["gaussian", gaussian], ["gradient", alongGradient]] as const) {
      const h = 0.005;
      const plus = tf.tidy(() => x.add(v.mul(h)) as tf.Tensor4D);
      const minus = tf.tidy(() => x.sub(v.mul(h)) as tf.Tensor4D);
      const numeric = (lossAt(detector, plus) - lossAt(detector, minus)) / (2 * h);
      const analytic = tf.tidy(() => g.mul(v).sum().dataSync()[0]);
      tf.dispose([plus, minus]);
      assert.ok(
        Math.abs(numeric - analytic) <= 0.05 * Math.abs(numeric) + 0.02,
        `${id}: ${name} direction: gradient ${analytic} vs finite difference ${numeric}`,
      );
    }
    // Single pixels where the gradient is largest: the gradient reaches the original
    // pixels at the right places, not only in aggregate. Not for face-api's SSD: its
    // ReLU6 clipping puts kinks within a quarter grey level of those pixels (finite
    // differences there move from -5.3e-3 to -3.6e-3 between steps 0.02 and 0.25
    // against a gradient of -5.9e-3); its directional checks above still apply.
    const flat = await g.abs().reshape([-1]).data();
    const order = Array.from(flat.keys()).sort((a, b) => flat[b] - flat[a]).slice(0, 3);
    const gValues = await g.reshape([-1]).data();
    for (const index of id === "faceapi-ssd" ? [] : order) {
      const step = 0.25;
      const e = tf.tidy(() => tf.oneHot([index], flat.length).reshape(x.shape).mul(step));
      const up = tf.tidy(() => x.add(e) as tf.Tensor4D);
      const down = tf.tidy(() => x.sub(e) as tf.Tensor4D);
      const fd = (lossAt(detector, up) - lossAt(detector, down)) / (2 * step);
      tf.dispose([e, up, down]);
      const err = Math.abs(fd - gValues[index]) / Math.abs(gValues[index]);
      assert.ok(err < 0.1, `${id}: pixel ${index}: gradient ${gValues[index]} vs FD ${fd}`);
    }

    // The same gradient on the cpu backend, which has every backprop kernel natively.
    const wasmGradient = await g.data();
    await initBackend("cpu");
    const gCpu = gradient(x);
    const cpuGradient = await gCpu.data();
    // Relative L2 distance. The backends round differently (logits differ by ~1e-4), so
    // a few ReLUs sitting at zero switch. Measured: blazeface-back 1.7e-4, blazeface-front
    // 5.7e-7, mediapipe-full 8e-3 (deeper, with upsampling paths); 3% allows that and
    // nothing systematic (tfjs's own half-pixel resize gradient was off by >10%).
    const gap = relativeL2(cpuGradient, wasmGradient, `${id}: cpu gradient`);
    console.log(`${id}: wasm vs cpu gradient relative L2 difference ${gap.toExponential(2)}`);
    assert.ok(gap < 0.03, `${id}: wasm vs cpu gradients differ by ${gap} (relative L2)`);
    tf.dispose([x, g, gCpu, gaussian, alongGradient]);
    await initBackend("wasm");
  });
}
