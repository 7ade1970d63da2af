/**
 * FaceBoxes in the attack objective: the photo reaches it at its own size (where the
 * deployed graph sees it), not squashed to a square, and a gradient worker (which loads it
 * by id) computes the same loss and gradient as the main thread.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { loadWhiteBoxDetector } from "./registry.ts";
import { hingeLoss } from "./hinge_loss.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { detectionObjective, type EnsembleMember } from "../attacks/objective.ts";
import { adversarialView, CleanResizes } from "../attacks/adversarial_view.ts";
import { Perturbation } from "../attacks/perturbation.ts";

Deno.test("faceboxes: the attack takes the photo at its own size, up to 3 MP", async () => {
  await initBackend("wasm");
  const detector = await loadWhiteBoxDetector("faceboxes");
  assert.ok(detector.inputShape, "faceboxes has its own input shape");
  assert.deepEqual(detector.inputShape(1280, 1920), [1280, 1920]);
  assert.deepEqual(detector.inputShape(853, 1280), [853, 1280]);
  // Over 3 MP: scaled to 3 MP (12 MP by half on each side), aspect ratio kept.
  assert.deepEqual(detector.inputShape(3000, 4000), [1500, 2000]);
});

Deno.test("faceboxes: the objective gives it the photo at its own size, not a square", async () => {
  await initBackend("wasm");
  const boxes = await loadWhiteBoxDetector("faceboxes");
  const front = await loadWhiteBoxDetector("blazeface-front");
  // 1280x853: FaceBoxes takes it as it is, BlazeFace front at 128x128.
  const clean = imageToTensor(await resizeImage(await readSample(1), 1280));
  const [, H, W] = clean.shape;
  const perturbation = new Perturbation(clean.shape, { factor: 4 });
  const resizes = new CleanResizes(clean);
  const variable = tf.randomUniform(perturbation.variableShape, -6, 6, "float32", 5) as tf.Tensor4D;
  const view = adversarialView(resizes, perturbation, variable);
  const objective = detectionObjective([{ detector: boxes }, { detector: front }], { threads: 1 });
  const [value, expected] = tf.tidy(() => [
    objective.loss(view, 1).dataSync()[0],
    // Each member's hinge at its own input shape.
    hingeLoss(boxes.faceLogits(view.resized(...boxes.inputShape!(H, W))), 0, 2)
      .add(hingeLoss(front.faceLogits(view.resized(128, 128)), front.logitThreshold, 2))
      .dataSync()[0],
  ]);
  objective.dispose?.();
  assert.ok(expected > 0, "the photo shows faces");
  assert.ok(Math.abs(value - expected) <= 1e-6 * expected, `${value} vs ${expected}`);
  tf.dispose([clean, variable]);
  resizes.dispose();
  perturbation.dispose();
});

Deno.test("faceboxes: a gradient worker computes the main thread's loss and gradient", async () => {
  await initBackend("wasm");
  const members: EnsembleMember[] = [
    { detector: await loadWhiteBoxDetector("faceboxes") },
    { detector: await loadWhiteBoxDetector("blazeface-front") },
  ];
  const clean = imageToTensor(await resizeImage(await readSample(1), 480));
  const perturbation = new Perturbation(clean.shape, { factor: 2 });
  const resizes = new CleanResizes(clean);
  const variable = tf.randomUniform(perturbation.variableShape, -6, 6, "float32", 5);
  const run = (threads: number) => {
    // Two members on two threads: FaceBoxes, the costlier, goes to the worker.
    const objective = detectionObjective(members, { threads });
    const loss = (v: tf.Tensor) =>
      objective.loss(adversarialView(resizes, perturbation, v as tf.Tensor4D), 1);
    const { value, grad } = tf.valueAndGrad(loss)(variable);
    const result = {
      value: value.dataSync()[0] + (objective.remoteLoss?.() ?? 0),
      gradient: grad.dataSync() as Float32Array,
    };
    tf.dispose([value, grad]);
    objective.dispose?.();
    return result;
  };
  run(1); // fills the caches of resize matrices and derived filters
  const tensorsBefore = tf.memory().numTensors;
  const one = run(1);
  const two = run(2);
  assert.equal(tf.memory().numTensors, tensorsBefore, "no tensor is left behind");
  assert.ok(one.value > 0, "the photo shows faces");
  assert.ok(Math.abs(one.value - two.value) <= 1e-6 * one.value, `${one.value} vs ${two.value}`);
  const differing = one.gradient.filter((g, i) => g !== two.gradient[i]).length;
  assert.equal(differing, 0, `${differing} gradient values differ between one and two threads`);
  tf.dispose([clean, variable]);
  resizes.dispose();
  perturbation.dispose();
});
