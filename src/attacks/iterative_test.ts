/**
 * The shared attack loop releases every tensor it made when a step throws: a detector
 * failing mid-step, a gradient worker dying after the backward pass, a failed real
 * re-encoding, a failing check or progress callback. In the server's long-lived worker
 * each leaked step would stay in memory for good.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { iterativeAttack, type IterativeConfig } from "./iterative.ts";
import { Perturbation } from "./perturbation.ts";
import type { AttackProblem } from "./types.ts";
import { toyObjective, type ToyObjectiveOptions } from "../testing/toy_objective.ts";

const SHAPE = [1, 6, 6, 3];
const SIZE = 6 * 6 * 3;

// Weights whose signs change from step to step, so momentum and the best iterate hold state.
const weights = (step: number) =>
  Array.from({ length: SIZE }, (_, i) => ((i + step) % 3) - 1 + 0.5 * (i % 2));

interface Failure {
  name: string;
  objective?: Partial<ToyObjectiveOptions>;
  problem?: Partial<AttackProblem>;
  config?: Partial<IterativeConfig>;
}

const FAILURES: Failure[] = [
  { name: "the loss throws at step 3", objective: { throwAt: 3 } },
  { name: "the remote loss throws at step 2", objective: { remoteThrowsAt: 2 } },
  { name: "prepare throws at step 3", objective: { prepareThrowsAt: 3 } },
  {
    name: "the checkpoint throws at step 3",
    problem: {
      checkpoint: {
        every: 1,
        check: (_candidate, step) => {
          if (step === 3) throw new Error("judge failed");
          return Promise.resolve(1); // a face left: the loop keeps this iterate as the best
        },
      },
    },
  },
  {
    name: "the progress callback throws at step 2",
    problem: {
      onStep: (step) => {
        if (step === 2) throw new Error("client went away");
      },
    },
  },
  {
    name: "the gradient transform throws at step 2",
    config: {
      gradientTransform: (() => {
        let calls = 0;
        return (g: tf.Tensor4D) => {
          if (++calls === 2) throw new Error("transform failed");
          return tf.clone(g);
        };
      })(),
    },
  },
];

for (const failure of FAILURES) {
  Deno.test(`no tensor is left behind when ${failure.name}`, async () => {
    await initBackend("wasm");
    const clean = tf.fill(SHAPE as [number, number, number, number], 100) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const perturbation = new Perturbation(SHAPE, { factor: 2 });
    const problem: AttackProblem = {
      clean,
      objective: toyObjective(SHAPE, { weights, ...failure.objective }),
      perturbation,
      ...failure.problem,
    };
    await assert.rejects(() =>
      iterativeAttack(problem, {
        eps: 8,
        steps: 5,
        stepSize: 1,
        momentum: 1,
        randomStart: true,
        ...failure.config,
      })
    );
    perturbation.dispose(); // its resize matrices are made during the attack
    assert.equal(tf.memory().numTensors, before, `tensors leaked when ${failure.name}`);
    clean.dispose();
  });
}

Deno.test("a run that ends normally leaves only its result", async () => {
  await initBackend("wasm");
  const clean = tf.fill(SHAPE as [number, number, number, number], 100) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const perturbation = new Perturbation(SHAPE, { factor: 2 });
  const result = await iterativeAttack({
    clean,
    objective: toyObjective(SHAPE, { weights }),
    perturbation,
    keepVariable: true,
    checkpoint: { every: 2, check: () => Promise.resolve(1) },
  }, { eps: 8, steps: 5, stepSize: 1, momentum: 1, randomStart: true });
  perturbation.dispose();
  assert.equal(tf.memory().numTensors, before + 2, "the result and its variable");
  tf.dispose([result.adversarial, result.variable!, clean]);
});
