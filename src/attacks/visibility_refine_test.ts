/**
 * Visibility refinement on problems whose answer is known by hand: one pixel must stay at
 * least 6 grey levels darker for the "face" to stay hidden; every other pixel is free.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { iterativeAttack, type IterativeConfig } from "./iterative.ts";
import { Perturbation } from "./perturbation.ts";
import { VisibilityRefiner } from "./visibility_refine.ts";
import type { Checkpoint, Objective } from "./types.ts";

const SIDE = 8;
const SHAPE: [number, number, number, number] = [1, SIDE, SIDE, 3];

/** Hinge on pixel (0, 0, red): zero once it is 8 or more below 100 (the margin of the check). */
const hingeObjective: Objective = {
  loss: (view) =>
    tf.tidy(() =>
      view.resized(SIDE, SIDE).slice([0, 0, 0, 0], [1, 1, 1, 1]).sub(92).relu().sum() as tf.Scalar
    ),
};

/** A "face" is found while pixel (0, 0, red) is above 94; every check is recorded. */
function pixelCheckpoint(
  log: number[],
  override?: (step: number) => number | undefined,
): Checkpoint {
  return {
    every: 5,
    check: async (candidate, step) => {
      const value = (await candidate.data())[0];
      const faces = override?.(step) ?? (value > 94 ? 1 : 0);
      log.push(faces);
      return faces;
    },
  };
}

/** Clean photo: 100 everywhere; the left half flat, the right half a +-40 checkerboard. */
function cleanPhoto(textured: boolean): tf.Tensor4D {
  const values = new Float32Array(SIDE * SIDE * 3);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const busy = textured && x >= SIDE / 2 ? ((x + y) % 2 ? 40 : -40) : 0;
      for (let c = 0; c < 3; c++) values[(y * SIDE + x) * 3 + c] = 100 + busy;
    }
  }
  return tf.tensor4d(values, SHAPE);
}

/** The toy attack every loop test starts from: PGD from a random start, checked every 5 steps. */
const TOY_ATTACK = { eps: 8, steps: 20, stepSize: 1, randomStart: true, seed: 3 };

/** Runs the toy attack (with `extra` options); returns its result and each check's faces. */
async function toyAttack(
  clean: tf.Tensor4D,
  perturbation: Perturbation,
  extra: Partial<IterativeConfig> = {},
  override?: (step: number) => number | undefined,
) {
  const log: number[] = [];
  const result = await iterativeAttack(
    { clean, objective: hingeObjective, perturbation, checkpoint: pixelCheckpoint(log, override) },
    { ...TOY_ATTACK, ...extra },
  );
  return { result, log };
}

async function perturbationOf(result: { adversarial: tf.Tensor4D }, clean: tf.Tensor4D) {
  return await tf.tidy(() => result.adversarial.sub(clean)).data();
}

Deno.test("refinement keeps the face hidden and removes what the hinge does not need", async () => {
  await initBackend("cpu");
  const clean = cleanPhoto(false);
  const run = async (refineSteps: number) => {
    const perturbation = new Perturbation(SHAPE);
    const { result, log } = await toyAttack(clean, perturbation, { refineSteps });
    const delta = await perturbationOf(result, clean);
    result.adversarial.dispose();
    perturbation.dispose();
    return { result, delta, log };
  };
  const plain = await run(0);
  const refined = await run(30);
  // PGD hid the face at its first check and left its random start everywhere else.
  assert.equal(plain.result.facesLeft, 0);
  assert.ok(plain.delta[0] <= -6, `pixel 0 moved ${plain.delta[0]}`);
  const rest = (d: Float32Array | Int32Array | Uint8Array) =>
    Array.from(d.slice(1)).reduce((s, v) => s + v * v, 0);
  assert.ok(rest(plain.delta) > 100, `random start: ${rest(plain.delta)}`);
  // Refined: still hidden at every check, pixel 0 still dark enough, the rest near zero.
  assert.equal(refined.result.facesLeft, 0);
  // The attack's checks up to its first success, then six refinement checks, all clean.
  assert.deepEqual(refined.log.slice(0, plain.log.length), plain.log);
  assert.deepEqual(refined.log.slice(plain.log.length), [0, 0, 0, 0, 0, 0]);
  assert.ok(refined.delta[0] <= -6, `pixel 0 moved ${refined.delta[0]}`);
  assert.ok(
    rest(refined.delta) < rest(plain.delta) / 5,
    `refined ${rest(refined.delta)} vs plain ${rest(plain.delta)}`,
  );
  assert.equal(refined.result.stepsRun, plain.result.stepsRun + 30);
  clean.dispose();
});

Deno.test("a boundary search after refinement keeps the smallest scale that hides the face", async () => {
  await initBackend("cpu");
  const clean = cleanPhoto(false);
  const run = async (refineShrinkChecks: number) => {
    const perturbation = new Perturbation(SHAPE);
    const { result, log } = await toyAttack(clean, perturbation, {
      refineSteps: 30,
      refineShrinkChecks,
    });
    const delta = await perturbationOf(result, clean);
    const adversarial = await result.adversarial.data();
    result.adversarial.dispose();
    perturbation.dispose();
    return { result, delta, adversarial, log };
  };
  const start = tf.memory().numTensors;
  const refined = await run(0);
  const afterRefined = tf.memory().numTensors;
  const shrunk = await run(4);
  // perturbationOf keeps its one difference tensor per run; the search adds nothing.
  assert.equal(tf.memory().numTensors - afterRefined, afterRefined - start, "search leaks");
  // The same attack and refinement, then up to four checks of the change scaled down.
  assert.deepEqual(shrunk.log.slice(0, refined.log.length), refined.log);
  const extra = shrunk.log.slice(refined.log.length);
  assert.ok(extra.length >= 1 && extra.length <= 4, `boundary checks ${extra}`);
  assert.ok(extra.includes(0), `some scale below 1 hides the face: ${extra}`);
  // Still hidden by the check's own rule (pixel 0 at most 94), with a smaller change.
  assert.equal(shrunk.result.facesLeft, 0);
  assert.ok(shrunk.adversarial[0] <= 94, `pixel 0 is ${shrunk.adversarial[0]}`);
  const energy = (d: ArrayLike<number>) => Array.from(d).reduce((s, v) => s + v * v, 0);
  assert.ok(
    energy(shrunk.delta) < energy(refined.delta),
    `shrunk ${energy(shrunk.delta)} vs refined ${energy(refined.delta)}`,
  );
  // Every pixel moved towards the clean photo, none past it: a scaled copy of the change.
  for (let i = 0; i < shrunk.delta.length; i++) {
    assert.ok(
      Math.abs(shrunk.delta[i]) <= Math.abs(refined.delta[i]) + 0.5 &&
        shrunk.delta[i] * refined.delta[i] >= 0,
      `pixel ${i}: ${refined.delta[i]} -> ${shrunk.delta[i]}`,
    );
  }
  clean.dispose();
});

Deno.test("refinement checks at its own interval when given one", async () => {
  await initBackend("cpu");
  const clean = cleanPhoto(false);
  const perturbation = new Perturbation(SHAPE);
  const { result: plain, log: plainLog } = await toyAttack(clean, perturbation);
  const { result: refined, log } = await toyAttack(clean, perturbation, {
    refineSteps: 30,
    refineCheckEvery: 10,
    refineDecay: 0.05,
  });
  // The attack checks every 5 steps; refinement at 10, 20 and 30 steps after its start.
  assert.equal(log.length, plainLog.length + 3);
  assert.equal(refined.resultStep! - plain.resultStep!, 30);
  tf.dispose([plain.adversarial, refined.adversarial]);
  perturbation.dispose();
  clean.dispose();
});

Deno.test("a face at every refinement check keeps the attack's own candidate", async () => {
  await initBackend("cpu");
  const clean = cleanPhoto(false);
  const perturbation = new Perturbation(SHAPE);
  const before = tf.memory().numTensors;
  const { result: reference, log: referenceLog } = await toyAttack(clean, perturbation);
  const hiddenAt = reference.resultStep!;
  // The attack's own checks see the truth; every refinement check claims a face.
  const { result, log } = await toyAttack(
    clean,
    perturbation,
    { refineSteps: 10 },
    (step) => step > hiddenAt ? 1 : undefined,
  );
  // Both refinement checks found a face: the attack's own candidate comes back.
  assert.deepEqual(log, [...referenceLog, 1, 1]);
  assert.equal(result.facesLeft, 0);
  assert.equal(result.resultStep, hiddenAt);
  assert.deepEqual(await result.adversarial.data(), await reference.adversarial.data());
  tf.dispose([result.adversarial, reference.adversarial]);
  perturbation.dispose();
  assert.equal(tf.memory().numTensors, before, "refinement leaks nothing");
  clean.dispose();
});

Deno.test("after a face, refinement carries on from where it is with half the decay", async () => {
  await initBackend("cpu");
  const clean = cleanPhoto(false);
  const perturbation = new Perturbation(SHAPE);
  const { result: reference } = await toyAttack(clean, perturbation);
  const hiddenAt = reference.resultStep!;
  // Two refinement checks (every 5 steps): the first claims a face, the second tells the truth.
  const { result, log } = await toyAttack(
    clean,
    perturbation,
    { refineSteps: 10, refineDecay: 0.05 },
    (step) => step === hiddenAt + 5 ? 1 : undefined,
  );
  assert.deepEqual(log.slice(-2), [1, 0]);
  assert.equal(result.resultStep, hiddenAt + 10);
  // Every pixel but the hinged one is flat and free (no push): 5 steps keep 0.95 of it each,
  // 5 more 0.975 after the face. Going back to the attack's candidate would leave 0.975^5 = 0.88.
  const start = await perturbationOf(reference, clean);
  const refined = await perturbationOf(result, clean);
  let before = 0, after = 0;
  for (let i = 1; i < start.length; i++) {
    before += Math.abs(start[i]);
    after += Math.abs(refined[i]);
  }
  const kept = after / before;
  assert.ok(Math.abs(kept - 0.95 ** 5 * 0.975 ** 5) < 0.05, `kept ${kept}`);
  tf.dispose([result.adversarial, reference.adversarial]);
  perturbation.dispose();
  clean.dispose();
});

Deno.test("flat regions decay faster than textured ones (SSIM's weighting)", async () => {
  await initBackend("cpu");
  const clean = cleanPhoto(true);
  const perturbation = new Perturbation(SHAPE);
  const refiner = new VisibilityRefiner(clean, perturbation, { eps: 8, norm: "linf", decay: 0.2 });
  let variable = tf.fill(SHAPE, 4) as tf.Tensor4D;
  const zero = tf.zerosLike(variable) as tf.Tensor4D;
  const cost0 = refiner.cost(variable);
  for (let i = 0; i < 5; i++) {
    const next = refiner.next(variable, zero);
    variable.dispose();
    variable = next;
  }
  const values = await variable.data();
  const at = (x: number, y: number) => values[(y * SIDE + x) * 3];
  // Flat column 0 (weight 1 far from the texture): 4 * 0.8^5 = 1.31; textured column 7 barely moves.
  assert.ok(Math.abs(at(0, 4) - 4 * 0.8 ** 5) < 0.05, `flat: ${at(0, 4)}`);
  assert.ok(at(7, 4) > 3.5, `textured: ${at(7, 4)}`);
  assert.ok(refiner.cost(variable) < cost0);
  refiner.backOff();
  assert.equal(refiner.decay, 0.1);
  tf.dispose([variable, zero]);
  refiner.dispose();
  perturbation.dispose();
  clean.dispose();
});

Deno.test("a texture share decays textured regions too: share 1 is a plain uniform decay", async () => {
  await initBackend("cpu");
  const clean = cleanPhoto(true);
  const perturbation = new Perturbation(SHAPE);
  const decayed = async (textureShare: number) => {
    const refiner = new VisibilityRefiner(clean, perturbation, {
      eps: 8,
      norm: "linf",
      decay: 0.2,
      textureShare,
    });
    let variable = tf.fill(SHAPE, 4) as tf.Tensor4D;
    const zero = tf.zerosLike(variable) as tf.Tensor4D;
    for (let i = 0; i < 5; i++) {
      const next = refiner.next(variable, zero);
      variable.dispose();
      variable = next;
    }
    const values = await variable.data();
    tf.dispose([variable, zero]);
    refiner.dispose();
    return { flat: values[(4 * SIDE + 0) * 3], textured: values[(4 * SIDE + 7) * 3] };
  };
  // Share 1: every cell keeps 0.8 of itself per step, texture or not.
  const uniform = await decayed(1);
  assert.ok(Math.abs(uniform.flat - 4 * 0.8 ** 5) < 0.05, `flat: ${uniform.flat}`);
  assert.ok(Math.abs(uniform.textured - 4 * 0.8 ** 5) < 0.05, `textured: ${uniform.textured}`);
  // Share 0.5: a cell whose SSIM weight is about 0 decays at half the rate, 4 * 0.9^5 = 2.36.
  const half = await decayed(0.5);
  assert.ok(Math.abs(half.flat - 4 * 0.8 ** 5) < 0.05, `flat: ${half.flat}`);
  assert.ok(Math.abs(half.textured - 4 * 0.9 ** 5) < 0.1, `textured: ${half.textured}`);
  perturbation.dispose();
  clean.dispose();
});

Deno.test("refinement options are checked", async () => {
  await initBackend("cpu");
  const clean = cleanPhoto(false);
  const perturbation = new Perturbation(SHAPE);
  for (
    const [options, pattern] of [
      [{ decay: 1 }, /decay must be in \(0, 1\)/],
      [{ decay: 0 }, /decay must be in \(0, 1\)/],
      [{ stepSize: -1 }, /stepSize must be positive/],
      [{ textureShare: -0.1 }, /textureShare must be in \[0, 1\]/],
      [{ textureShare: 1.5 }, /textureShare must be in \[0, 1\]/],
    ] as const
  ) {
    assert.throws(
      () => new VisibilityRefiner(clean, perturbation, { eps: 8, norm: "linf", ...options }),
      pattern,
    );
  }
  const levels = perturbation.withLevels(2);
  assert.throws(
    () => new VisibilityRefiner(clean, levels, { eps: 8, norm: "linf" }),
    /single-resolution/,
  );
  await assert.rejects(
    () =>
      iterativeAttack(
        { clean, objective: hingeObjective, perturbation },
        { eps: 8, steps: 2, stepSize: 1, refineSteps: 2.5 },
      ),
    /refineSteps must be a whole number/,
  );
  await assert.rejects(
    () =>
      iterativeAttack(
        { clean, objective: hingeObjective, perturbation },
        { eps: 8, steps: 2, stepSize: 1, refineSteps: 2, refineCheckEvery: 0 },
      ),
    /refineCheckEvery must be a whole number >= 1/,
  );
  await assert.rejects(
    () =>
      iterativeAttack(
        { clean, objective: hingeObjective, perturbation },
        { eps: 8, steps: 2, stepSize: 1, refineSteps: 2, refineShrinkChecks: -1 },
      ),
    /refineShrinkChecks must be a whole number from 0 to 20, got -1/,
  );
  // Refused before any step, not after the attack has run.
  await assert.rejects(
    () =>
      iterativeAttack(
        { clean, objective: hingeObjective, perturbation },
        { eps: 8, steps: 2, stepSize: 1, refineSteps: 2, levels: 2 },
      ),
    /refinement \(refineSteps\) needs a single-resolution perturbation, got levels 2/,
  );
  levels.dispose();
  perturbation.dispose();
  clean.dispose();
});
