/**
 * DI-FGSM's input diversity against its paper (Xie et al. 2019): with probability p the
 * detectors see the image resized and zero-padded at a random offset, otherwise the image
 * itself. Checked on hand-computed pixels: shape kept, the resized content at the offset,
 * zeros around it; p = 0 is plain BIM, and p decides how often the transform happens.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { bim } from "./bim.ts";
import { difgsm, resizeAndPad } from "./difgsm.ts";
import { Perturbation } from "./perturbation.ts";
import type { Random } from "../random.ts";
import { toyObjective } from "../testing/toy_objective.ts";

// Stands in for the seeded generator with fixed draws, checking the ranges asked for.
function fixedDraws(scale: number, offsets: number[], ranges: number[][]): Random {
  return {
    next: () => 0,
    uniform: (min, max) => {
      ranges.push([min, max]);
      return scale;
    },
    int: (min, max) => {
      ranges.push([min, max]);
      return offsets.shift()!;
    },
    seed: () => 0,
  };
}

Deno.test("resize-and-pad places the resized image at the drawn offset on zeros", async () => {
  await initBackend("wasm");
  // Pixel (r, c) of channel k holds 1 + 10r + c + 100k.
  const values: number[] = [];
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) for (let k = 0; k < 3; k++) values.push(1 + 10 * r + c + 100 * k);
  }
  const image = tf.tensor4d(values, [1, 4, 4, 3]);
  const ranges: number[][] = [];
  // Scale 0.5: 4x4 -> 2x2, then 1 row above and 2 columns to the left.
  const out = resizeAndPad(image, fixedDraws(0.5, [1, 2], ranges), 0.5);
  assert.deepEqual(out.shape, [1, 4, 4, 3]);
  // The scale is drawn in [minScale, 1), the offsets over all free rows and columns.
  assert.deepEqual(ranges, [[0.5, 1], [0, 2], [0, 2]]);
  // A bilinear shrink by 2 (no half-pixel centres) samples input rows and columns 0 and 2.
  const expected = new Array(4 * 4 * 3).fill(0);
  for (const [r, c, fromR, fromC] of [[1, 2, 0, 0], [1, 3, 0, 2], [2, 2, 2, 0], [2, 3, 2, 2]]) {
    for (let k = 0; k < 3; k++) expected[(r * 4 + c) * 3 + k] = 1 + 10 * fromR + fromC + 100 * k;
  }
  assert.deepEqual([...out.dataSync()], expected);
  tf.dispose([image, out]);
});

async function seenBy(
  attack: "difgsm" | "bim",
  diversityProb: number,
  steps: number,
): Promise<{ seen: Float32Array[]; variable: number[] }> {
  await initBackend("wasm");
  const shape = [1, 100, 100, 3];
  const clean = tf.fill(shape as [number, number, number, number], 100) as tf.Tensor4D;
  const size = 100 * 100 * 3;
  // Weights that change sign across pixels and steps, so each iterate differs.
  const objective = toyObjective(shape, {
    weights: (step) => Array.from({ length: size }, (_, i) => ((i * 7 + step) % 5) - 2),
  });
  const perturbation = new Perturbation(shape, { factor: 4 });
  const problem = { clean, objective, perturbation, keepVariable: true };
  const options = { eps: 8, steps, stepSize: 1, seed: 5 };
  const result = attack === "bim"
    ? await bim(problem, options)
    : await difgsm(problem, { ...options, diversityProb, minScale: 0.5 });
  const variable = [...result.variable!.dataSync()];
  tf.dispose([result.adversarial, result.variable!, clean]);
  perturbation.dispose();
  return { seen: objective.seen, variable };
}

// The clean photo is 100 everywhere and the budget 8: a 0 can only be padding.
const padded = (seen: Float32Array[]) => seen.filter((s) => s.includes(0)).length;

Deno.test("DI-FGSM with p = 0 is BIM: the detectors see the image itself", async () => {
  const diverse = await seenBy("difgsm", 0, 5);
  const plain = await seenBy("bim", 0, 5);
  assert.equal(padded(diverse.seen), 0);
  assert.deepEqual(diverse.variable, plain.variable);
  assert.deepEqual(diverse.seen, plain.seen);
});

Deno.test("DI-FGSM transforms the input at a share of steps close to p", async () => {
  // h = round(100 s) < 100 unless the drawn scale s >= 0.995 (1 in 100): a transformed view
  // shows padding.
  assert.equal(padded((await seenBy("difgsm", 1, 40)).seen), 40);
  const half = padded((await seenBy("difgsm", 0.5, 40)).seen);
  console.log(`p = 0.5: ${half} of 40 steps transformed`);
  // Binomial(40, 0.5): 20 +- 3.2; the seeded run lands well inside 10..30.
  assert.ok(half >= 10 && half <= 30, `${half} of 40 steps transformed at p = 0.5`);
});
