/**
 * face-api's Tiny detector in the attack objective: it sees the photo at its working shape
 * (aspect ratio kept, long side 608; faceLogits pads it like face-api), and a gradient
 * worker, which loads it by id, computes the main thread's loss and gradient.
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

Deno.test("faceapi-tiny: in the objective and on a gradient worker, at its working shape", async () => {
  await initBackend("wasm");
  const tiny = await loadWhiteBoxDetector("faceapi-tiny");
  const front = await loadWhiteBoxDetector("blazeface-front");
  const members: EnsembleMember[] = [{ detector: tiny }, { detector: front }];
  // 960x640: Tiny takes it at 608x405, BlazeFace front at 128x128.
  const clean = imageToTensor(await resizeImage(await readSample(1), 960));
  const [, H, W] = clean.shape;
  assert.deepEqual(tiny.inputShape!(H, W), [405, 608]);
  const perturbation = new Perturbation(clean.shape, { factor: 2 });
  const resizes = new CleanResizes(clean);
  const variable = tf.randomUniform(perturbation.variableShape, -6, 6, "float32", 5);
  const run = (threads: number) => {
    // Two members on two threads: Tiny, the costlier, goes to the worker.
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

  // Each member's hinge at its own input shape: Tiny's is the photo at 608x405.
  const view = adversarialView(resizes, perturbation, variable as tf.Tensor4D);
  const expected = tf.tidy(() =>
    hingeLoss(tiny.faceLogits(view.resized(405, 608)), tiny.logitThreshold, 2)
      .add(hingeLoss(front.faceLogits(view.resized(128, 128)), front.logitThreshold, 2))
      .dataSync()[0]
  );
  assert.ok(expected > 0, "the photo shows faces");
  assert.ok(Math.abs(one.value - expected) <= 1e-6 * expected, `${one.value} vs ${expected}`);
  assert.ok(Math.abs(one.value - two.value) <= 1e-6 * one.value, `${one.value} vs ${two.value}`);
  const differing = one.gradient.filter((g, i) => g !== two.gradient[i]).length;
  assert.equal(differing, 0, `${differing} gradient values differ between one and two threads`);
  tf.dispose([clean, variable]);
  resizes.dispose();
  perturbation.dispose();
});
