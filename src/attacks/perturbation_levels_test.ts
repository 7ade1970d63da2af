/**
 * Several perturbation resolutions: the variable packs levels at factor x 2^i, the pixel
 * perturbation is the sum of the upsampled levels (computed here level by level with plain
 * tfjs resizes), detectors' views match it, and an L-inf budget holds for the sum.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { Perturbation } from "./perturbation.ts";
import { iterativeAttack } from "./iterative.ts";
import { apgd } from "./apgd.ts";
import { toyObjective } from "../testing/toy_objective.ts";

const maxAbs = (t: tf.Tensor) => t.abs().max().dataSync()[0];

Deno.test("a three-level variable is the sum of its upsampled levels", async () => {
  await initBackend("wasm");
  const p = new Perturbation([2, 60, 90, 3], { factor: 3, levels: 3 });
  // Levels 20x30, 10x15 and 5x8 (ceil(90 / 12) = 8): 600 + 150 + 40 cells.
  assert.deepEqual(p.variableShape, [2, 1, 790, 3]);
  const v = tf.randomUniform(p.variableShape, -8, 8, "float32", 3) as tf.Tensor4D;
  const parts = p.unpack(v);
  assert.deepEqual(parts.map((x) => x.shape), [[2, 20, 30, 3], [2, 10, 15, 3], [2, 5, 8, 3]]);
  assert.deepEqual(p.pack(parts).dataSync(), v.dataSync());
  const sum = tf.addN(parts.map((x) => tf.image.resizeBilinear(x, [60, 90])));
  assert.ok(maxAbs(tf.sub(p.toPixels(v), sum)) < 1e-4);
  // Detectors' views: the bilinear resize of that sum, value and gradient.
  const direct = tf.image.resizeBilinear(sum, [32, 48]);
  assert.ok(maxAbs(tf.sub(p.resized(v, 32, 48), direct)) < 1e-4);
  const w = tf.randomNormal([2, 32, 48, 3], 0, 1, "float32", 4);
  const gFast = tf.grad((x) => p.resized(x as tf.Tensor4D, 32, 48).mul(w).sum())(v);
  const gDirect = tf.grad((x) =>
    tf.image.resizeBilinear(p.toPixels(x as tf.Tensor4D), [32, 48]).mul(w).sum()
  )(v);
  assert.ok(maxAbs(tf.sub(gFast, gDirect)) < 1e-4);
  p.dispose();
});

Deno.test("levels share an L-inf budget, keep the mask, and one level is the plain variable", async () => {
  await initBackend("wasm");
  const mask = tf.concat([tf.ones([1, 64, 32, 1]), tf.zeros([1, 64, 32, 1])], 2) as tf.Tensor4D;
  const plain = new Perturbation([1, 64, 64, 3], { factor: 2, mask });
  const p = plain.withLevels(3);
  const huge = tf.randomNormal(p.variableShape, 0, 50, "float32", 5) as tf.Tensor4D;
  const projected = p.project(huge, 6, "linf");
  // Each level holds eps / 3 = 2 at most, and uses it: the sum reaches but never passes 6.
  assert.ok(maxAbs(projected) <= 2 + 1e-6);
  const pixels = p.toPixels(projected);
  assert.ok(maxAbs(pixels) <= 6 + 1e-4 && maxAbs(pixels) > 4, `max ${maxAbs(pixels)}`);
  assert.ok(maxAbs(p.toPixels(p.randomStart(6, "linf", 2))) <= 6 + 1e-4);
  // The masked-out half stays nearly untouched (coarse levels blur the mask's edge).
  assert.ok(maxAbs(pixels.slice([0, 0, 44, 0], [1, 64, 20, 3])) < 1e-4);
  // L2 scales all levels together: the pixel norm is the budget.
  const l2 = p.project(huge, 1.5, "l2");
  assert.ok(Math.abs(p.pixelL2(l2).dataSync()[0] - 1.5) < 1e-3);
  // withExtraMask keeps the levels; one level is exactly the plain parametrisation.
  const extra = p.withExtraMask(tf.fill([1, 64, 64, 1], 0.5) as tf.Tensor4D);
  assert.deepEqual(extra.variableShape, p.variableShape);
  assert.ok(maxAbs(tf.sub(extra.toPixels(projected), pixels.mul(0.5))) < 1e-4);
  const one = plain.withLevels(1);
  assert.deepEqual(one.variableShape, plain.variableShape);
  const v = tf.randomUniform(plain.variableShape, -6, 6, "float32", 6) as tf.Tensor4D;
  assert.deepEqual(one.toPixels(v).dataSync(), plain.toPixels(v).dataSync());
  assert.throws(() => plain.withLevels(0), /levels must be a whole number from 1 to 6, got 0/);
  assert.throws(() => new Perturbation([1, 8, 8, 3], { levels: 2.5 }), /levels must be/);
  for (const x of [plain, p, extra, one]) x.dispose();
});

Deno.test("the loop's levels option attacks through a multi-resolution variable", async () => {
  await initBackend("cpu");
  const clean = tf.fill([1, 8, 8, 3], 128) as tf.Tensor4D;
  const perturbation = new Perturbation(clean.shape, { factor: 2 });
  // Loss = sum of the photo: every step lowers every pixel, by eps in total.
  const objective = toyObjective(clean.shape, { weights: () => Array(192).fill(1) });
  const result = await iterativeAttack(
    { clean, objective, perturbation, keepVariable: true },
    { eps: 6, steps: 8, stepSize: 1, levels: 3 },
  );
  // Each of the three levels sits at -2; upsampled and summed: -6 on every pixel.
  assert.deepEqual(result.variable!.shape, [1, 1, 16 + 4 + 1, 3]);
  assert.ok(result.variable!.dataSync().every((x) => x === -2));
  assert.ok(result.adversarial.dataSync().every((x) => x === 122));
  // Auto-PGD's own step rule projects with the loop's multi-resolution parametrisation.
  const auto = await apgd({ clean, objective, perturbation }, { eps: 6, steps: 6, levels: 2 });
  assert.ok(auto.adversarial.dataSync().every((x) => x >= 122 && x <= 134));
  assert.ok(auto.adversarial.dataSync().some((x) => x < 128), "it moved");
  auto.adversarial.dispose();
  await assert.rejects(
    iterativeAttack({ clean, objective, perturbation }, {
      eps: 6,
      steps: 1,
      stepSize: 1,
      levels: 7,
    }),
    /levels must be a whole number from 1 to 6, got 7/,
  );
  tf.dispose([clean, result.adversarial, result.variable!]);
  perturbation.dispose();
});
