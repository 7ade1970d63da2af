/**
 * MI-FGSM against its paper's update (Dong et al. 2018, Algorithm 1), descending here:
 *   g_{t+1} = mu * g_t + grad_t / ||grad_t||_1,   x_{t+1} = clip_eps(x_t - alpha * sign(g_{t+1}))
 * on a one-pixel photo whose loss gradient at step t is a chosen vector w_t, so every
 * step is computed by hand below. The vectors are picked so that plain BIM, momentum
 * without the L1 normalisation, and momentum with another decay all end elsewhere.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { bim } from "./bim.ts";
import { mifgsm } from "./mifgsm.ts";
import { Perturbation } from "./perturbation.ts";
import type { AttackResult } from "./types.ts";
import { toyObjective } from "../testing/toy_objective.ts";

const SHAPE = [1, 1, 1, 3];
// Gradients of steps 1-3 (L1 norms 6, 4 and 4.2).
const W = [[4, -1, 1], [-1, 2, 1], [-1, -1.2, 2]];

async function run(
  attack: "mifgsm" | "bim",
  options: { momentum?: number; eps?: number },
): Promise<{ variable: number[]; seen: number[][] }> {
  await initBackend("wasm");
  const clean = tf.fill(SHAPE as [number, number, number, number], 100) as tf.Tensor4D;
  const objective = toyObjective(SHAPE, { weights: (step) => W[step - 1] });
  const perturbation = new Perturbation(SHAPE);
  const problem = { clean, objective, perturbation, keepVariable: true };
  const settings = { eps: options.eps ?? 8, steps: 3, stepSize: 1 };
  const result: AttackResult = attack === "bim"
    ? await bim(problem, settings)
    : await mifgsm(problem, { ...settings, momentum: options.momentum });
  const variable = [...result.variable!.dataSync()];
  tf.dispose([result.adversarial, result.variable!, clean]);
  perturbation.dispose();
  return { variable, seen: objective.seen.map((s) => [...s]) };
}

Deno.test("MI-FGSM accumulates the L1-normalised gradient with decay 1 (the paper's default)", async () => {
  // g1 = w1/6            = [ 0.667, -0.167, 0.167]  sign [+, -, +]  x1 = [-1,  1, -1]
  // g2 = g1 + w2/4       = [ 0.417,  0.333, 0.417]  sign [+, +, +]  x2 = [-2,  0, -2]
  // g3 = g2 + w3/4.2     = [ 0.179,  0.048, 0.893]  sign [+, +, +]  x3 = [-3, -1, -3]
  const { variable, seen } = await run("mifgsm", {});
  assert.deepEqual(variable, [-3, -1, -3]);
  // The loss of step t saw x_{t-1}: the start, then the first two iterates.
  assert.deepEqual(seen, [[100, 100, 100], [99, 101, 99], [98, 100, 98]]);
});

Deno.test("MI-FGSM differs from BIM and from unnormalised momentum on the same gradients", async () => {
  // BIM steps along sign(w_t): [+,-,+], [-,+,+], [-,-,+]  ->  x3 = [1, 1, -3].
  assert.deepEqual((await run("bim", {})).variable, [1, 1, -3]);
  // Momentum over raw gradients would give g3 = [2, -0.2, 4], moving the middle value up to
  // +1; the paper's L1 normalisation gives -1 (previous test).
  const { variable } = await run("mifgsm", {});
  assert.notDeepEqual(variable, [-3, 1, -3]);
});

Deno.test("MI-FGSM's decay weighs the past: mu 0.5 turns at step 3", async () => {
  // g1 = w1/6              = [ 0.667, -0.167, 0.167]  x1 = [-1,  1, -1]
  // g2 = 0.5 g1 + w2/4     = [ 0.083,  0.417, 0.333]  x2 = [-2,  0, -2]
  // g3 = 0.5 g2 + w3/4.2   = [-0.196, -0.077, 0.643]  x3 = [-1,  1, -3]
  assert.deepEqual((await run("mifgsm", { momentum: 0.5 })).variable, [-1, 1, -3]);
});

Deno.test("MI-FGSM clips every iterate to the budget", async () => {
  // As the first test with eps 2: x3 = clip([-3, -1, -3]) = [-2, -1, -2].
  assert.deepEqual((await run("mifgsm", { eps: 2 })).variable, [-2, -1, -2]);
});
