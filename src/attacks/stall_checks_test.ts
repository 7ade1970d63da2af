/**
 * stallChecks: the attack loop stops once that many checks in a row find no fewer faces than
 * the best candidate so far, and keeps that best candidate. Face counts here are scripted per
 * check, so where the loop must stop follows from the option's definition alone.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { iterativeAttack } from "./iterative.ts";
import { Perturbation } from "./perturbation.ts";
import { toyObjective } from "../testing/toy_objective.ts";

const SHAPE = [1, 4, 4, 3];
const weights = (step: number) => Array.from({ length: 48 }, (_, i) => ((i + step) % 3) - 1);

/** Runs 50 steps checked every 5, the checks answering `faces` in turn; returns where it ended. */
async function run(faces: number[], stallChecks?: number) {
  await initBackend("cpu");
  const clean = tf.fill(SHAPE as [number, number, number, number], 100) as tf.Tensor4D;
  const perturbation = new Perturbation(SHAPE);
  const checked: number[] = [];
  const result = await iterativeAttack({
    clean,
    objective: toyObjective(SHAPE, { weights }),
    perturbation,
    checkpoint: {
      every: 5,
      check: (_candidate, step) => {
        checked.push(step);
        return Promise.resolve(faces[checked.length - 1] ?? faces.at(-1)!);
      },
    },
  }, { eps: 8, steps: 50, stepSize: 1, stallChecks });
  result.adversarial.dispose();
  perturbation.dispose();
  clean.dispose();
  // (Among candidates with as many faces the best iterate keeps the lower loss, so only the
  // count is asserted where counts tie.)
  return { stepsRun: result.stepsRun, resultStep: result.resultStep, faces: result.facesLeft };
}

Deno.test("stallChecks 1 stops at the first check that finds no fewer faces than the best", async () => {
  // 4 at step 5, 3 at 10 (a gain), 3 at 15: stalled once, stop there with 3 faces.
  const tied = await run([4, 3, 3, 2, 1], 1);
  assert.deepEqual([tied.stepsRun, tied.faces], [15, 3]);
  // More faces than the best is a stall too; the best (step 5) is what comes back.
  assert.deepEqual(await run([2, 5, 1], 1), { stepsRun: 10, resultStep: 5, faces: 2 });
});

Deno.test("stallChecks 2 needs two stalled checks in a row; a gain resets the count", async () => {
  // 4, 4 (stall 1), 3 (gain, reset), 3 (stall 1), 3 (stall 2): stop at step 25.
  const result = await run([4, 4, 3, 3, 3, 0], 2);
  assert.deepEqual([result.stepsRun, result.faces], [25, 3]);
});

Deno.test("without stallChecks every step runs while faces are left", async () => {
  for (const stallChecks of [undefined, 0]) {
    const result = await run([4, 4, 4], stallChecks);
    assert.deepEqual([result.stepsRun, result.faces], [50, 4]);
  }
});

Deno.test("a bad stallChecks is refused, naming the option", async () => {
  for (const bad of [-1, 1.5, 101, Number.NaN]) {
    await assert.rejects(() => run([1], bad), /stallChecks must be a whole number from 0 to 100/);
  }
});
