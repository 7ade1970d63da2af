/**
 * Detectors that do not take a square input (face-api pads the photo to a square itself,
 * FaceBoxes runs at the photo's own size) get the photo at their inputShape in the attack
 * objective, not squashed to inputSize x inputSize: the objective's loss is each member's
 * hinge at that shape, and a gradient worker, which loads the detector by id, computes the
 * main thread's loss and gradient bit for bit.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { loadWhiteBoxDetector } from "../detectors/registry.ts";
import { hingeLoss } from "../detectors/hinge_loss.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { detectionObjective, type EnsembleMember } from "./objective.ts";
import { adversarialView, CleanResizes } from "./adversarial_view.ts";
import { Perturbation } from "./perturbation.ts";

const CASES: { id: string; width: number; shape: [number, number] }[] = [
  // 960x640: face-api's detectors take it with the long side at their input, aspect kept.
  { id: "faceapi-tiny", width: 960, shape: [405, 608] },
  { id: "faceapi-ssd", width: 960, shape: [341, 512] },
  // 640x427: FaceBoxes takes it as it is.
  { id: "faceboxes", width: 640, shape: [427, 640] },
];

for (const { id, width, shape } of CASES) {
  Deno.test(`${id}: in the objective and on a gradient worker, at its working shape`, async () => {
    await initBackend("wasm");
    const detector = await loadWhiteBoxDetector(id);
    const front = await loadWhiteBoxDetector("blazeface-front");
    const members: EnsembleMember[] = [{ detector }, { detector: front }];
    const clean = imageToTensor(await resizeImage(await readSample(1), width));
    const [, H, W] = clean.shape;
    assert.deepEqual(detector.inputShape!(H, W), shape);
    const perturbation = new Perturbation(clean.shape, { factor: 2 });
    const resizes = new CleanResizes(clean);
    const variable = tf.randomUniform(perturbation.variableShape, -6, 6, "float32", 5);
    const run = (threads: number) => {
      // Two members on two threads: the costlier one goes to the worker.
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

    // Each member's hinge at its own input shape.
    const view = adversarialView(resizes, perturbation, variable as tf.Tensor4D);
    const expected = tf.tidy(() =>
      hingeLoss(detector.faceLogits(view.resized(...shape)), detector.logitThreshold, 2)
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
}
