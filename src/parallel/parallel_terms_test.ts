/**
 * The objective on several threads computes what it computes on one: an ensemble spread
 * over workers gives the same gradient bit for bit, a split batch the same within float
 * rounding, a worker's failure is a clear error, and nothing leaks.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { loadWhiteBoxDetector } from "../detectors/registry.ts";
import { DEFAULT_SOURCE_IDS } from "../detectors/registry.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { detectionObjective, type EnsembleMember } from "../attacks/objective.ts";
import { adversarialView, CleanResizes } from "../attacks/adversarial_view.ts";
import { Perturbation } from "../attacks/perturbation.ts";
import type { WhiteBoxDetector } from "../detectors/types.ts";
import { ParallelTerms } from "./parallel_terms.ts";
import { RemoteTerm } from "./remote_term.ts";
import { gradientWorkers } from "./gradient_workers.ts";
import { relativeL2 } from "../testing/relative_l2.ts";

Deno.test("the ensemble on two threads takes the one-thread gradient bit for bit", async () => {
  await initBackend("wasm");
  const members: EnsembleMember[] = [];
  for (const id of DEFAULT_SOURCE_IDS) members.push({ detector: await loadWhiteBoxDetector(id) });
  const clean = imageToTensor(await resizeImage(await readSample(1), 480));
  const perturbation = new Perturbation(clean.shape, { factor: 2 });
  const resizes = new CleanResizes(clean);
  const variable = tf.randomUniform(perturbation.variableShape, -6, 6, "float32", 5);
  const run = (threads: number) => {
    const objective = detectionObjective(members, { threads });
    const loss = (v: tf.Tensor) =>
      objective.loss(adversarialView(resizes, perturbation, v as tf.Tensor4D), 1);
    const results = [];
    for (let step = 0; step < 2; step++) {
      const { value, grad } = tf.valueAndGrad(loss)(variable);
      results.push({
        value: value.dataSync()[0] + (objective.remoteLoss?.() ?? 0),
        gradient: grad.dataSync() as Float32Array,
      });
      tf.dispose([value, grad]);
    }
    // Without a gradient pass the workers' share still arrives (remoteLoss waits for it).
    const alone = loss(variable);
    const valueAlone = alone.dataSync()[0] + (objective.remoteLoss?.() ?? 0);
    alone.dispose();
    objective.dispose?.();
    return { results, valueAlone };
  };
  run(1); // fills the caches of resize matrices and derived filters
  const tensorsBefore = tf.memory().numTensors;
  const one = run(1);
  const two = run(2);
  assert.equal(tf.memory().numTensors, tensorsBefore, "no tensor is left behind");
  for (let step = 0; step < 2; step++) {
    const a = one.results[step];
    const b = two.results[step];
    assert.ok(a.value > 0, "the photo shows faces");
    assert.ok(Math.abs(a.value - b.value) <= 1e-6 * a.value, `${a.value} vs ${b.value}`);
    assert.equal(a.gradient.length, b.gradient.length);
    const differing = a.gradient.filter((g, i) => g !== b.gradient[i]).length;
    assert.equal(differing, 0, `step ${step}: ${differing} gradient values differ`);
  }
  assert.ok(Math.abs(one.valueAlone - two.valueAlone) <= 1e-6 * one.valueAlone);
  assert.ok(Math.abs(one.valueAlone - one.results[0].value) <= 1e-6 * one.valueAlone);
  tf.dispose([clean, variable]);
  resizes.dispose();
  perturbation.dispose();
});

Deno.test("squared and balanced terms reach the workers: two threads, one thread and the definition agree", async () => {
  await initBackend("wasm");
  const members: EnsembleMember[] = [];
  for (const id of DEFAULT_SOURCE_IDS) members.push({ detector: await loadWhiteBoxDetector(id) });
  const clean = imageToTensor(await resizeImage(await readSample(1), 320));
  const perturbation = new Perturbation(clean.shape, { factor: 2 });
  const resizes = new CleanResizes(clean);
  const variable = tf.randomUniform(perturbation.variableShape, -6, 6, "float32", 7);
  const view = () => adversarialView(resizes, perturbation, variable as tf.Tensor4D);
  const run = (threads: number) => {
    const objective = detectionObjective(members, { threads, squaredHinge: true, balanced: true });
    const { value, grad } = tf.valueAndGrad((v: tf.Tensor) =>
      objective.loss(adversarialView(resizes, perturbation, v as tf.Tensor4D), 1)
    )(variable);
    const out = {
      value: value.dataSync()[0] + (objective.remoteLoss?.() ?? 0),
      gradient: grad.dataSync() as Float32Array,
    };
    tf.dispose([value, grad]);
    objective.dispose?.();
    return out;
  };
  const one = run(1);
  const two = run(2);
  // By definition: per member log(1 + sum over anchors of max(0, logit - (threshold - 2))^2).
  const expected = tf.tidy(() =>
    members.reduce((total, { detector }) => {
      const size = detector.inputSize;
      const over = detector.faceLogits(view().resized(size, size))
        .sub(detector.logitThreshold - 2).relu();
      return total + Math.log1p(over.square().sum().dataSync()[0]);
    }, 0)
  );
  assert.ok(expected > 0, "the photo shows faces");
  assert.ok(Math.abs(one.value - expected) <= 1e-5 * expected, `${one.value} vs ${expected}`);
  assert.ok(Math.abs(two.value - one.value) <= 1e-6 * one.value, `${two.value} vs ${one.value}`);
  const differing = one.gradient.filter((g, i) => g !== two.gradient[i]).length;
  assert.equal(differing, 0, `${differing} gradient values differ between one and two threads`);
  tf.dispose([clean, variable]);
  resizes.dispose();
  perturbation.dispose();
});

Deno.test("adaptive weights reach the workers: two threads and one agree over three steps", async () => {
  await initBackend("wasm");
  const members: EnsembleMember[] = [];
  for (const id of DEFAULT_SOURCE_IDS) members.push({ detector: await loadWhiteBoxDetector(id) });
  members[1].weight = 2;
  const clean = imageToTensor(await resizeImage(await readSample(1), 320));
  const perturbation = new Perturbation(clean.shape, { factor: 2 });
  const resizes = new CleanResizes(clean);
  const run = (threads: number) => {
    const objective = detectionObjective(members, { threads, balance: "adaptive" });
    const steps = [];
    // Three different variables: the weights of steps 2 and 3 come from the values before.
    for (let step = 1; step <= 3; step++) {
      const variable = tf.randomUniform(perturbation.variableShape, -6, 6, "float32", step);
      const { value, grad } = tf.valueAndGrad((v: tf.Tensor) =>
        objective.loss(adversarialView(resizes, perturbation, v as tf.Tensor4D), step)
      )(variable);
      steps.push({
        value: value.dataSync()[0] + (objective.remoteLoss?.() ?? 0),
        gradient: grad.dataSync() as Float32Array,
      });
      tf.dispose([value, grad, variable]);
    }
    objective.dispose?.();
    return steps;
  };
  run(1); // fills the caches of resize matrices and derived filters
  const tensorsBefore = tf.memory().numTensors;
  const one = run(1);
  const two = run(2);
  assert.equal(tf.memory().numTensors, tensorsBefore, "no tensor is left behind");
  // The first step's value is the sum of the weights (each loss over itself).
  assert.ok(Math.abs(one[0].value - 4) < 4e-5, `${one[0].value}`);
  for (let step = 0; step < 3; step++) {
    const [a, b] = [one[step], two[step]];
    assert.ok(Math.abs(a.value - b.value) <= 1e-5 * a.value, `${a.value} vs ${b.value}`);
    const error = relativeL2(a.gradient, b.gradient);
    assert.ok(error < 1e-5, `step ${step + 1}: relative L2 ${error}`);
  }
  tf.dispose(clean);
  resizes.dispose();
  perturbation.dispose();
});

Deno.test("a batch split over threads has the whole batch's loss and gradient", async () => {
  await initBackend("wasm");
  const detector = await loadWhiteBoxDetector("blazeface-front");
  const photo = imageToTensor(await resizeImage(await readSample(1), 128));
  const square = tf.tidy(() => tf.image.resizeBilinear(photo, [128, 128]));
  const batch = tf.tidy(() =>
    tf.concat([0.7, 1, 1.2].map((k) => square.mul(k).clipByValue(0, 255)))
  ) as tf.Tensor4D;
  const run = (threads: number) => {
    const terms = new ParallelTerms([{ detector, weight: 0.5 }], {
      margin: 2,
      threads,
      expectedBatch: 3,
    });
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => terms.sum([x as tf.Tensor4D]))(
      batch,
    );
    const result = {
      value: value.dataSync()[0] + terms.remoteValue(),
      gradient: grad.dataSync() as Float32Array,
    };
    tf.dispose([value, grad]);
    terms.dispose();
    return result;
  };
  const one = run(1);
  const three = run(3);
  assert.ok(one.value > 0, "the photos show faces");
  assert.ok(Math.abs(one.value - three.value) <= 1e-5 * one.value, `${one.value} ${three.value}`);
  const error = relativeL2(one.gradient, three.gradient);
  assert.ok(error < 1e-5, `relative L2 ${error}`);
  tf.dispose([photo, square, batch]);
});

Deno.test("a worker's failure is a clear error, and the worker serves the next request", async () => {
  await initBackend("wasm");
  const [worker] = gradientWorkers(1, "wasm");
  const batch = tf.zeros([1, 128, 128, 3]) as tf.Tensor4D;
  const broken = new RemoteTerm(worker, { detector: "no-such-detector", margin: 2, scale: 1 });
  broken.apply(batch).dispose();
  assert.throws(() => broken.value(), /gradient worker: .*no-such-detector/);
  const working = new RemoteTerm(worker, { detector: "blazeface-front", margin: 2, scale: 1 });
  working.apply(batch).dispose();
  assert.ok(Number.isFinite(working.value()));
  batch.dispose();
});

Deno.test("detectors built by hand stay on the main thread (a worker could not load them)", async () => {
  await initBackend("wasm");
  const front = await loadWhiteBoxDetector("blazeface-front");
  // Same model under an id no registry knows: a worker asked for it would fail.
  const handBuilt = {
    id: "hand-built-front",
    inputSize: front.inputSize,
    logitThreshold: front.logitThreshold,
    faceLogits: (images: tf.Tensor4D) => front.faceLogits(images),
  } as WhiteBoxDetector;
  const batch = tf.tidy(() =>
    tf.image.resizeBilinear(imageToTensor({ width: 2, height: 2, data: new Uint8Array(12) }), [
      128,
      128,
    ]).add(100)
  ) as tf.Tensor4D;
  const terms = new ParallelTerms([{ detector: handBuilt }, { detector: front }], {
    margin: 2,
    threads: 2,
    expectedBatch: 1,
  });
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) =>
    terms.sum([x as tf.Tensor4D, x as tf.Tensor4D])
  )(batch);
  assert.ok(Number.isFinite(value.dataSync()[0] + terms.remoteValue()));
  assert.equal(grad.shape.join(), batch.shape.join());
  tf.dispose([value, grad, batch]);
  terms.dispose();
});
