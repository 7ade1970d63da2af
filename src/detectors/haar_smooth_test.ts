/**
 * The Haar surrogate (haar_smooth.ts): its input gradient against central finite
 * differences and the cpu backend, with the scored windows held fixed (they are chosen by
 * the exact cascade, a step function); through the area downscale too (a photo larger than
 * the cascade's 960 px); its bad options; and the point of it: attacking it hides a face
 * from the real OpenCV cascade on the written file and after JPEG q75.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { jpegRoundTrip } from "../image/encode.ts";
import { HaarSmoothDetector, type HaarWindowPlan } from "./haar_smooth.ts";
import { loadDetector, parseDetectorList, WHITEBOX_IDS } from "./registry.ts";
import { relativeL2 } from "../testing/relative_l2.ts";
import { PROTECT_DEFAULTS } from "../protect/defaults.ts";
import { protectPhotoBytes } from "../protect/filter.ts";
import { decodeImage, readImage } from "../image/decode.ts";

// What the attack pushes down, summed in float64 for the finite differences.
function loss(detector: HaarSmoothDetector, x: tf.Tensor4D, plan: HaarWindowPlan): number {
  const scores = tf.tidy(() => detector.logitsFor(x, plan).sigmoid());
  let sum = 0;
  for (const value of scores.dataSync()) sum += value;
  scores.dispose();
  return sum;
}

// The second case sets the cascade's longer side to 200 px, so a 256 px photo goes through the
// area downscale as photos over 960 px do (and the cpu pass stays quick).
for (const [name, maxSide] of [["at its own size", 960], ["area-downscaled", 200]] as const) {
  Deno.test(`haar-smooth: gradient ${name} matches finite differences and the cpu backend`, async () => {
    await initBackend("wasm");
    const detector = await HaarSmoothDetector.load({ maxSide });
    try {
      const image = await readImage("data/dev/aksel-andersson-w256.jpg");
      const plan = detector.windowPlan(image);
      // Measured: 36 detections and 14 near windows at 256 px, 20 and 10 at 200 px.
      assert.ok(plan.windows.some((w) => w.stagesPassed === 25), `${name}: no window to score`);
      assert.equal(plan.width, Math.min(256, maxSide));
      const x = imageToTensor(image);
      const gradient = tf.grad((input) =>
        detector.logitsFor(input as tf.Tensor4D, plan).sigmoid().sum()
      );
      const g = gradient(x);
      // Along a seeded Gaussian direction and along the gradient (L2 norm 100). Every op is
      // smooth for a fixed plan, so only float32 rounding limits h.
      const gaussian = tf.randomNormal(x.shape, 0, 1, "float32", 11);
      const alongGradient = tf.tidy(() => g.div(g.norm()).mul(100));
      for (const [direction, v] of [["gaussian", gaussian], ["gradient", alongGradient]] as const) {
        const h = 0.05;
        const plus = tf.tidy(() => x.add(v.mul(h)) as tf.Tensor4D);
        const minus = tf.tidy(() => x.sub(v.mul(h)) as tf.Tensor4D);
        const numeric = (loss(detector, plus, plan) - loss(detector, minus, plan)) / (2 * h);
        const analytic = tf.tidy(() => g.mul(v).sum().dataSync()[0]);
        tf.dispose([plus, minus]);
        console.log(`${name}, ${direction}: gradient ${analytic}, finite difference ${numeric}`);
        assert.ok(
          Math.abs(numeric - analytic) <= 0.03 * Math.abs(numeric) + 1e-4,
          `${name}, ${direction}: gradient ${analytic} vs finite difference ${numeric}`,
        );
      }
      const wasmLogits = tf.tidy(() => detector.logitsFor(x, plan).dataSync());
      const wasmGradient = await g.data();
      await initBackend("cpu");
      const cpu = await HaarSmoothDetector.load({ maxSide });
      try {
        const cpuLogits = tf.tidy(() => cpu.logitsFor(x, plan).dataSync());
        const gCpu = tf.grad((input) => cpu.logitsFor(input as tf.Tensor4D, plan).sigmoid().sum())(
          x,
        );
        const logitGap = relativeL2(cpuLogits, wasmLogits, "cpu logits");
        const gradientGap = relativeL2(await gCpu.data(), wasmGradient, "cpu gradient");
        console.log(`${name}: wasm vs cpu, logits ${logitGap}, gradient ${gradientGap}`);
        assert.ok(logitGap < 1e-4, `${name}: logits differ by ${logitGap} (relative L2)`);
        assert.ok(gradientGap < 1e-3, `${name}: gradients differ by ${gradientGap}`);
        gCpu.dispose();
      } finally {
        cpu.dispose();
      }
      await initBackend("wasm");
      tf.dispose([x, g, gaussian, alongGradient]);
    } finally {
      detector.dispose();
      await initBackend("wasm");
    }
  });
}

Deno.test("haar-smooth: faceLogits scores a window per near or full detection, positive for most detections", async () => {
  await initBackend("wasm");
  const detector = await HaarSmoothDetector.load();
  try {
    const image = await readImage("data/dev/tom-cruise-2014-w384.jpg");
    const plan = detector.windowPlan(image);
    const x = imageToTensor(image);
    const logits = detector.faceLogits(tf.concat([x, x]) as tf.Tensor4D);
    assert.deepEqual(logits.shape, [2, plan.windows.length]);
    const values = logits.dataSync().slice(0, plan.windows.length);
    const detections = plan.windows.filter((w) => w.stagesPassed === 25);
    const rejected = plan.windows.filter((w) => w.stagesPassed < 25);
    // A window some stage rejects has a negative margin there, so its soft minimum is below
    // zero; a detection's is mostly above (the soft minimum lies under the hard one).
    assert.ok(rejected.every((w) => values[plan.windows.indexOf(w)] < 0));
    const positive = detections.filter((w) => values[plan.windows.indexOf(w)] > 0).length;
    assert.ok(positive >= detections.length / 2, `${positive} of ${detections.length} positive`);
    // A batch of two differentiates to twice one photo's gradient (the padding adds nothing).
    const one = tf.grad((input) => detector.faceLogits(input as tf.Tensor4D).sigmoid().sum())(x);
    const two = tf.grad((input) =>
      detector.faceLogits(tf.concat([input, input]) as tf.Tensor4D).sigmoid().sum()
    )(x);
    const doubled = one.mul(2);
    const gap = relativeL2(await doubled.data(), await two.data(), "batch gradient");
    assert.ok(gap < 1e-5, `batch of two: gradient differs by ${gap}`);
    tf.dispose([x, logits, one, two, doubled]);
  } finally {
    detector.dispose();
  }
});

Deno.test("haar-smooth: attacked through the filter, OpenCV's cascade finds no face in the written file or after q75", async () => {
  await initBackend("wasm");
  const haar = await loadDetector("haar");
  const input = await Deno.readFile("data/dev/aksel-andersson-w256.jpg");
  const clean = await decodeImage(input);
  assert.equal((await haar.detect(clean)).length, 1, "the real cascade finds the clean face");
  // The whole filter, attacking only the surrogate (no refinement, to keep it short).
  const { bytes, report } = await protectPhotoBytes(input, {
    format: "jpeg",
    perturb: {
      detectors: ["haar-smooth"],
      attackOptions: { ...PROTECT_DEFAULTS.attackOptions, refineSteps: 0 },
    },
  });
  assert.deepEqual(report.attacked, ["haar-smooth"]);
  // The surrogate is judged like any attacked detector, with the real cascade's detection.
  assert.deepEqual(report.faces["haar-smooth"], { clean: 1, output: 0, after_jpeg75: 0 });
  assert.equal(report.fully_protected, true);
  // And by the real cascade itself, on the bytes written and their q75 copy.
  const written = await decodeImage(bytes);
  assert.deepEqual(await haar.detect(written), [], "the written file");
  assert.deepEqual(await haar.detect(await jpegRoundTrip(written, 75)), [], "after q75");
});

Deno.test("haar-smooth: attack-only (never a judge), and bad options are one-line errors", async () => {
  assert.deepEqual(parseDetectorList("haar-smooth, faceboxes"), ["haar-smooth", "faceboxes"]);
  assert.ok(!WHITEBOX_IDS.includes("haar-smooth"));
  assert.ok(!parseDetectorList("all").includes("haar-smooth"));
  await initBackend("wasm");
  await assert.rejects(() => HaarSmoothDetector.load({ nearStages: -1 }), /nearStages/);
  await assert.rejects(() => HaarSmoothDetector.load({ softness: 0 }), /softness/);
});
