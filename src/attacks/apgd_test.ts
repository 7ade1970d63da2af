/**
 * Auto-PGD follows the paper's schedule (Croce and Hein 2020, Algorithm 1) on problems
 * whose optimum is known, and beats fixed-step PGD on a real photo at equal steps.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { loadWhiteBoxDetector } from "../detectors/registry.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { autoPgdCheckpoints, type AutoPgdEvent, autoPgdRule } from "./apgd.ts";
import { getAttack } from "./registry.ts";
import { detectionObjective } from "./objective.ts";
import { Perturbation } from "./perturbation.ts";

Deno.test("checkpoints are the paper's w_j = ceil(p_j N)", () => {
  // p = 0, .22, .41, .57, .70, .80, .87, .93, .99 (then 1.05 > 1), worked out by hand.
  assert.deepEqual(autoPgdCheckpoints(100), [0, 22, 41, 57, 70, 80, 87, 93, 99]);
  assert.deepEqual(autoPgdCheckpoints(10), [0, 3, 5, 6, 7, 8, 9, 10]);
});

/** Runs the rule on loss(x) from x = 0 for `steps` iterations; returns the trace. */
function runRule(
  loss: (x: tf.Tensor4D) => tf.Scalar,
  options: { eps: number; steps: number; stepSize: number },
) {
  const events: AutoPgdEvent[] = [];
  const rule = autoPgdRule({
    ...options,
    norm: "linf",
    alpha: 0.75,
    rho: 0.75,
    project: (v) => tf.tidy(() => v.clipByValue(-options.eps, options.eps) as tf.Tensor4D),
    onCheckpoint: (e) => events.push(e),
  });
  let x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
  const points: Float32Array[] = [];
  const losses: number[] = [];
  for (let k = 0; k < options.steps; k++) {
    const { value, grad } = tf.valueAndGrad((v: tf.Tensor) => loss(v as tf.Tensor4D))(x);
    const f = value.dataSync()[0];
    points.push(x.dataSync() as Float32Array);
    losses.push(f);
    const next = rule.next(x, grad as tf.Tensor4D, f, k + 1);
    tf.dispose([value, grad, x]);
    x = next;
  }
  points.push(x.dataSync() as Float32Array);
  x.dispose();
  rule.dispose();
  return { events, points, losses };
}

Deno.test("a step too large to converge is halved at the first checkpoint, restarting from the best point", async () => {
  await initBackend("cpu");
  const target = tf.tensor4d([0.3, -0.2, 0.6, -0.7], [1, 2, 2, 1]);
  const quadratic = (x: tf.Tensor4D) => x.sub(target).square().sum() as tf.Scalar;
  const { events, points, losses } = runRule(quadratic, { eps: 1, steps: 100, stepSize: 2 });
  // The rule decides at every checkpoint of the paper, and only there.
  assert.deepEqual(events.map((e) => e.iteration), [22, 41, 57, 70, 80, 87, 93, 99]);
  // Sign steps of 2 (then clipped to 1) oscillate: condition 1 halves at w_1 = 22.
  assert.equal(events[0].halved, true);
  assert.equal(events[0].fewImprovements, true);
  assert.equal(events[0].stepSize, 1);
  // Each halving divides the step by exactly two.
  let size = 2;
  for (const e of events) {
    if (e.halved) size /= 2;
    assert.equal(e.stepSize, size);
  }
  // The restart: x^(23) is the lowest-loss point among x^(0..22).
  const bestBefore = losses.slice(0, 23).indexOf(Math.min(...losses.slice(0, 23)));
  assert.deepEqual(Array.from(points[23]), Array.from(points[bestBefore]));
  // The optimum (the target, inside the budget) is approached as the step shrinks.
  const final = points.at(-1)!;
  const expected = [0.3, -0.2, 0.6, -0.7];
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(final[i] - expected[i]) < 0.1, `x = ${final}`);
  assert.ok(losses.at(-1)! < 0.02, `final loss ${losses.at(-1)}`);
  target.dispose();
});

Deno.test("a step that keeps lowering the loss is kept; a flat loss halves it (condition 1)", async () => {
  await initBackend("cpu");
  // A linear loss in a budget far away: every step improves, so no checkpoint halves.
  const linear = (x: tf.Tensor4D) => x.sum() as tf.Scalar;
  const steady = runRule(linear, { eps: 1000, steps: 50, stepSize: 1 });
  assert.ok(steady.events.length > 0);
  assert.ok(steady.events.every((e) => !e.halved), JSON.stringify(steady.events));
  // The same loss in a budget reached at once: the loss stops moving and the step halves
  // at every checkpoint.
  const stuck = runRule(linear, { eps: 1, steps: 50, stepSize: 2 });
  assert.ok(stuck.events.every((e) => e.halved && e.fewImprovements));
});

Deno.test("Auto-PGD beats fixed-step PGD on a real photo at equal steps", async () => {
  await initBackend("wasm");
  const detector = await loadWhiteBoxDetector("blazeface-back");
  // Sample 2 at 480 px, 4 grey levels, 60 steps: measured 7.7 (Auto-PGD, first step a
  // quarter of the budget as the protection uses it) against 18.1 (PGD's default step).
  const clean = imageToTensor(await resizeImage(await readSample(2), 480));
  const bestLoss = async (name: string, extra: Record<string, number>) => {
    const objective = detectionObjective([{ detector }]);
    const perturbation = new Perturbation(clean.shape, { factor: 2 });
    let best = Number.POSITIVE_INFINITY;
    const result = await getAttack(name).run(
      { clean, objective, perturbation, onStep: (_step, loss) => best = Math.min(best, loss) },
      { eps: 4, steps: 60, seed: 2, ...extra },
    );
    perturbation.dispose();
    result.adversarial.dispose();
    return best;
  };
  const pgdLoss = await bestLoss("pgd", {});
  const apgdLoss = await bestLoss("apgd", { initialStep: 0.25 });
  assert.ok(apgdLoss < 0.75 * pgdLoss, `Auto-PGD best loss ${apgdLoss}, PGD ${pgdLoss}`);
  clean.dispose();
});
