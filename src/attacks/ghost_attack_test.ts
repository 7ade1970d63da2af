/**
 * Ghost networks in the attack: the objective differentiates a fresh eroded copy of each
 * member per step (same seed and step, same ghost; none set, the exact detectors again),
 * gradient workers erode with the same ghost as the main thread would, and bad options are
 * one-line errors naming them.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { loadWhiteBoxDetector } from "../detectors/registry.ts";
import type { WhiteBoxDetector } from "../detectors/types.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { toyObjective } from "../testing/toy_objective.ts";
import { detectionObjective, type EnsembleMember } from "./objective.ts";
import { adversarialView, CleanResizes } from "./adversarial_view.ts";
import { Perturbation } from "./perturbation.ts";
import { iterativeAttack } from "./iterative.ts";

const RATES = { dropout: 0.01, skip: 0.2, seed: 9 };

async function setUp() {
  await initBackend("wasm");
  const members: EnsembleMember[] = [];
  for (const id of ["blazeface-back", "blazeface-front"]) {
    members.push({ detector: await loadWhiteBoxDetector(id) });
  }
  const clean = imageToTensor(await resizeImage(await readSample(1), 320));
  const perturbation = new Perturbation(clean.shape, { factor: 2 });
  const resizes = new CleanResizes(clean);
  const variable = tf.randomUniform(perturbation.variableShape, -4, 4, "float32", 5);
  return { members, clean, perturbation, resizes, variable };
}

Deno.test("a ghost per step: same step same ghost, steps differ, none set is the exact objective", async () => {
  const { members, clean, perturbation, resizes, variable } = await setUp();
  const objective = detectionObjective(members, { threads: 1 });
  const lossAt = (step: number) =>
    tf.tidy(() =>
      objective.loss(adversarialView(resizes, perturbation, variable as tf.Tensor4D), step)
        .dataSync()[0]
    );
  const exact = lossAt(1);
  objective.setGhost!(RATES);
  const first = lossAt(1);
  assert.equal(lossAt(1), first);
  assert.notEqual(first, exact);
  assert.notEqual(lossAt(2), first);
  objective.setGhost!(undefined);
  assert.equal(lossAt(1), exact);
  objective.dispose?.();
  tf.dispose([clean, variable]);
  resizes.dispose();
  perturbation.dispose();
});

Deno.test("gradient workers differentiate the same ghosts as the main thread, bit for bit", async () => {
  const { members, clean, perturbation, resizes, variable } = await setUp();
  const gradient = (threads: number, ghost: boolean) => {
    const objective = detectionObjective(members, { threads });
    if (ghost) objective.setGhost!(RATES);
    const loss = (v: tf.Tensor) =>
      objective.loss(adversarialView(resizes, perturbation, v as tf.Tensor4D), 3);
    const { value, grad } = tf.valueAndGrad(loss)(variable);
    const out = {
      value: value.dataSync()[0] + (objective.remoteLoss?.() ?? 0),
      grad: grad.dataSync() as Float32Array,
    };
    tf.dispose([value, grad]);
    objective.setGhost!(undefined);
    objective.dispose?.();
    return out;
  };
  const one = gradient(1, true);
  const two = gradient(2, true);
  const exact = gradient(2, false);
  assert.ok(Math.abs(one.value - two.value) <= 1e-6 * one.value, `${one.value} vs ${two.value}`);
  const differing = one.grad.filter((g, i) => g !== two.grad[i]).length;
  assert.equal(differing, 0, `${differing} gradient values differ between one and two threads`);
  assert.notEqual(exact.value, two.value, "the workers' ghost is not the exact detector");
  tf.dispose([clean, variable]);
  resizes.dispose();
  perturbation.dispose();
});

Deno.test("ghost options: bad rates, objectives and detectors that cannot erode are one-line errors", async () => {
  await initBackend("cpu");
  const clean = tf.fill([1, 4, 4, 3], 100) as tf.Tensor4D;
  const perturbation = new Perturbation(clean.shape);
  const problem = {
    clean,
    perturbation,
    objective: detectionObjective([{ detector: fakeDetector() }], { threads: 1 }),
  };
  const options = { eps: 4, steps: 1, stepSize: 1 };
  await assert.rejects(
    iterativeAttack(problem, { ...options, ghostDropout: 1 }),
    /^RangeError: ghostDropout must be a rate in \[0, 1\), got 1$/,
  );
  await assert.rejects(
    iterativeAttack(problem, { ...options, ghostSkip: -0.5 }),
    /^RangeError: ghostSkip must be a rate in \[0, 1\), got -0.5$/,
  );
  await assert.rejects(
    iterativeAttack(problem, { ...options, ghostSkip: 0.1 }),
    /^RangeError: ghostDropout\/ghostSkip: fake cannot be eroded yet$/,
  );
  const toy = toyObjective(clean.shape, { weights: () => Array(48).fill(1) });
  await assert.rejects(
    iterativeAttack({ clean, perturbation, objective: toy }, { ...options, ghostDropout: 0.1 }),
    /need an objective that erodes its detectors/,
  );
  // Rates of 0 ask for nothing: the exact networks, no erosion hook needed.
  const result = await iterativeAttack(problem, { ...options, ghostDropout: 0, ghostSkip: 0 });
  result.adversarial.dispose();
  problem.objective.dispose?.();
  perturbation.dispose();
  clean.dispose();
});

// A white-box detector without a ghost hook: mean brightness as its one logit.
function fakeDetector(): WhiteBoxDetector {
  return {
    id: "fake",
    family: "test",
    kind: "whitebox",
    threshold: 0.5,
    logitThreshold: 0,
    inputSize: 4,
    description: "test",
    detect: () => Promise.resolve([]),
    faceLogits: (images) => tf.tidy(() => images.mean([1, 2, 3]).reshape([-1, 1]) as tf.Tensor2D),
    dispose: () => {},
  };
}
