/**
 * Scale and translation diversity: the transform moves and rescales pixels as defined
 * (hand-computed on 4x4 images), draws stay in their ranges and follow the seed, and the
 * attack loop applies one draw per step to what every detector sees.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { seededRandom } from "../random.ts";
import { applyAugment, drawAugment, validateAugment } from "./input_augment.ts";
import { iterativeAttack } from "./iterative.ts";
import { Perturbation } from "./perturbation.ts";
import { toyObjective } from "../testing/toy_objective.ts";

// Column index as the value: [[0,1,2,3], ...].
const ramp = () => tf.tensor4d(Array.from({ length: 16 }, (_, i) => i % 4), [1, 4, 4, 1]);
const rows = (t: tf.Tensor) => t.reshape([4, 4]).arraySync() as number[][];

Deno.test("a shift of a quarter side moves every column one place, zeros coming in", async () => {
  await initBackend("cpu");
  const right = applyAugment(ramp(), { scale: 1, dx: 0.25, dy: 0 });
  for (const row of rows(right)) assert.deepEqual(row, [0, 0, 1, 2]);
  const up = applyAugment(
    tf.tensor4d(Array.from({ length: 16 }, (_, i) => Math.floor(i / 4)), [
      1,
      4,
      4,
      1,
    ]),
    { scale: 1, dx: 0, dy: -0.25 },
  );
  assert.deepEqual(rows(up), [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3], [0, 0, 0, 0]]);
});

Deno.test("scale 0.5 shrinks into the centre; scale 2 crops the centre of the enlargement", async () => {
  await initBackend("cpu");
  const shrunk = applyAugment(tf.ones([1, 4, 4, 1]), { scale: 0.5, dx: 0, dy: 0 });
  assert.deepEqual(rows(shrunk), [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]);
  // 4 -> 8 bilinear (no corner alignment) samples column x at x / 2: cells 2..5 read
  // 1, 1.5, 2, 2.5 of the ramp.
  const zoomed = applyAugment(ramp(), { scale: 2, dx: 0, dy: 0 });
  for (const row of rows(zoomed)) assert.deepEqual(row, [1, 1.5, 2, 2.5]);
  // A shift larger than the image leaves nothing of it.
  const gone = applyAugment(ramp(), { scale: 1, dx: 1, dy: 0 });
  assert.equal(gone.abs().sum().dataSync()[0], 0);
});

Deno.test("draws stay in range and follow the seed; probability 0 never transforms", () => {
  const options = { scale: 0.2, shift: 0.1, prob: 1 };
  const a = seededRandom(3);
  const b = seededRandom(3);
  for (let i = 0; i < 500; i++) {
    const draw = drawAugment(a, options)!;
    assert.deepEqual(drawAugment(b, options), draw);
    assert.ok(draw.scale >= 0.8 && draw.scale <= 1.2, `scale ${draw.scale}`);
    assert.ok(Math.abs(draw.dx) <= 0.1 && Math.abs(draw.dy) <= 0.1);
  }
  const never = seededRandom(3);
  for (let i = 0; i < 100; i++) {
    assert.equal(drawAugment(never, { ...options, prob: 0 }), undefined);
  }
  assert.throws(() => validateAugment({ ...options, scale: 1 }), /^RangeError: augmentScale/);
  assert.throws(() => validateAugment({ ...options, shift: 0.6 }), /^RangeError: augmentShift/);
  assert.throws(() => validateAugment({ ...options, prob: -1 }), /^RangeError: augmentProb/);
});

Deno.test("the attack loop shows the detectors the transformed photo, one draw per step", async () => {
  await initBackend("cpu");
  const clean = tf.tensor4d(Array.from({ length: 48 }, (_, i) => 100 + i), [1, 4, 4, 3]);
  const run = async (options: Record<string, number>) => {
    const objective = toyObjective(clean.shape, { weights: () => Array(48).fill(1) });
    const perturbation = new Perturbation(clean.shape);
    const result = await iterativeAttack(
      { clean, objective, perturbation },
      { eps: 4, steps: 3, stepSize: 1, seed: 5, ...options },
    );
    result.adversarial.dispose();
    perturbation.dispose();
    return objective.seen;
  };
  const plain = await run({});
  assert.deepEqual(await run({ augmentShift: 0.5, augmentProb: 0 }), plain);
  const shifted = await run({ augmentShift: 0.5 });
  assert.deepEqual(await run({ augmentShift: 0.5 }), shifted, "same seed, same draws");
  // What step 1 saw is the plain view under the loop's first draw (seed 5).
  const draw = drawAugment(seededRandom(5), { scale: 0, shift: 0.5, prob: 1 })!;
  const expected = applyAugment(tf.tensor4d(plain[0], [1, 4, 4, 3]), draw).dataSync();
  assert.deepEqual(shifted[0], expected);
  assert.notDeepEqual(shifted[0], plain[0]);
  await assert.rejects(run({ augmentScale: 1.5 }), /augmentScale must be in \[0, 1\), got 1.5/);
  clean.dispose();
});
