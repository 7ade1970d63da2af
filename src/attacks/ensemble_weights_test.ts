/**
 * Balanced ensembles: with adaptive weights, a hard detector's share of the gradient grows
 * as the easy one gives way; the value reported stays the fixed normalised sum; weights and
 * modes are checked. Expected numbers are worked out by hand in the comments.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import type { WhiteBoxDetector } from "../detectors/types.ts";
import { detectionObjective } from "./objective.ts";
import {
  AdaptiveWeights,
  type BalanceMode,
  balanceMode,
  validateWeights,
} from "./ensemble_weights.ts";
import type { AdversarialView } from "./adversarial_view.ts";

const SIDE = 8;

// A detector built by hand whose `anchors` logits are all slope x (mean of one colour
// channel - 100): threshold logit 0, so with margin 2 each anchor's hinge is
// slope x (mean - 100) + 2 while positive.
function channelDetector(id: string, channel: number, slope: number, anchors: number) {
  return {
    id,
    family: "toy",
    kind: "whitebox",
    threshold: 0.5,
    logitThreshold: 0,
    inputSize: SIDE,
    description: `${slope} x (mean of channel ${channel} - 100), ${anchors} anchors`,
    detect: () => Promise.resolve([]),
    dispose: () => {},
    faceLogits: (images: tf.Tensor4D) =>
      tf.tidy(() => {
        const [b] = images.shape;
        const mean = images.slice([0, 0, 0, channel], [b, SIDE, SIDE, 1]).mean([1, 2, 3]);
        return mean.sub(100).mul(slope).reshape([b, 1]).tile([1, anchors]) as tf.Tensor2D;
      }),
  } satisfies WhiteBoxDetector;
}

/**
 * Runs 20 signed steps of one grey level on an 8x8 photo of grey 130 against an easy member
 * (red channel, 4 anchors, slope 1: hinge 4 x 32 = 128 at the start, 4 less per step) and a
 * hard one (green channel, 1 anchor, slope 0.1: hinge 5, 0.1 less per step). Each channel's
 * step depends only on its own member's gradient, so both modes walk the same path, and
 * at step t (from 1) the hinges are 4 x (33 - t) and 5 - 0.1 x (t - 1). Returns per step
 * the hard member's share of the gradient (L1 norm of the green part over red + green)
 * and the objective's value.
 */
function run(balance: BalanceMode): { share: number[]; value: number[] } {
  const objective = detectionObjective([
    { detector: channelDetector("easy", 0, 1, 4) },
    { detector: channelDetector("hard", 1, 0.1, 1) },
  ], { balance, threads: 1 });
  let x = tf.fill([1, SIDE, SIDE, 3], 130) as tf.Tensor4D;
  const share: number[] = [];
  const value: number[] = [];
  for (let step = 1; step <= 20; step++) {
    const { value: v, grad } = tf.valueAndGrad((image: tf.Tensor) => {
      const view: AdversarialView = {
        photoSize: [SIDE, SIDE],
        resized: () => image as tf.Tensor4D,
      };
      return objective.loss(view, step);
    })(x);
    value.push(v.dataSync()[0] + (objective.remoteLoss?.() ?? 0));
    const [red, green] = tf.tidy(() =>
      [0, 1].map((c) => grad.slice([0, 0, 0, c], [1, SIDE, SIDE, 1]).abs().sum().dataSync()[0])
    );
    share.push(green / (red + green));
    const next = tf.tidy(() => x.sub(grad.sign())) as tf.Tensor4D;
    tf.dispose([v, grad, x]);
    x = next;
  }
  x.dispose();
  objective.dispose?.();
  return { share, value };
}

Deno.test("adaptive weights: the hard detector's share of the gradient grows, the value stays normalised", async () => {
  await initBackend("cpu");
  const before = tf.memory().numTensors;
  const adaptive = run("adaptive");
  assert.equal(tf.memory().numTensors, before, "no tensor is left behind");
  const close = (got: number, want: number, what: string) =>
    assert.ok(Math.abs(got - want) < 1e-3, `${what}: ${got}, expected ${want}`);
  // Step 1 has no normalisers yet: shares as given, 0.1 / (4 + 0.1).
  close(adaptive.share[0], 0.1 / 4.1, "share at step 1");
  // Step 2: normalisers 128 and 5, equal normalised losses, so multipliers 1/128 and 1/5:
  // 0.1/5 / (4/128 + 0.1/5).
  close(adaptive.share[1], 0.02 / (0.03125 + 0.02), "share at step 2");
  // Step 20, weights from step 19's normalised losses 4 x 14 / 128 = 0.4375 and
  // (5 - 1.8) / 5 = 0.64, each plus the floor 0.05.
  const easy = 4 / 128 * (0.4375 + 0.05);
  const hard = 0.1 / 5 * (0.64 + 0.05);
  close(adaptive.share[19], hard / (easy + hard), "share at step 20");
  assert.ok(adaptive.share[19] > 1.15 * adaptive.share[1], `${adaptive.share}`);
  for (let t = 2; t < 20; t++) {
    assert.ok(
      adaptive.share[t] >= adaptive.share[t - 1] - 1e-6,
      `step ${t + 1}: ${adaptive.share}`,
    );
  }
  // The value is the fixed normalisation at every step: 4 (33 - t) / 128 + (5 - 0.1 (t - 1)) / 5.
  for (const t of [1, 2, 20]) {
    close(
      adaptive.value[t - 1],
      4 * (33 - t) / 128 + (5 - 0.1 * (t - 1)) / 5,
      `value at step ${t}`,
    );
  }
});

Deno.test("without adaptive weights the hard detector's share does not grow", async () => {
  await initBackend("cpu");
  // Off: plain sums of linear hinges, share 0.1 / 4.1 at every step.
  const off = run("off");
  for (const s of off.share) assert.ok(Math.abs(s - 0.1 / 4.1) < 1e-4, `${off.share}`);
  // Log: each gradient divided by 1 + its loss; the easy loss falls fastest, so its share
  // grows: 0.1/5.9 / (4/125 + 0.1/5.9) at step 2, 0.1/4.1 / (4/53 + 0.1/4.1) at step 20.
  const log = run("log");
  const atStep = (hard: number, easy: number) => hard / (hard + easy);
  assert.ok(Math.abs(log.share[1] - atStep(0.1 / 5.9, 4 / 125)) < 1e-3, `${log.share}`);
  assert.ok(Math.abs(log.share[19] - atStep(0.1 / 4.1, 4 / 53)) < 1e-3, `${log.share}`);
  assert.ok(log.share[19] < log.share[1]);
});

Deno.test("weights: negative, non-numbers and all zero are one-line errors naming the detector", () => {
  const message = (f: () => void) => {
    try {
      f();
    } catch (error) {
      assert.ok(error instanceof UserError, String(error));
      assert.ok(!error.message.includes("\n"));
      return error.message;
    }
    assert.fail("no error");
  };
  assert.equal(
    message(() => validateWeights([{ id: "a", weight: 1 }, { id: "b", weight: -0.5 }])),
    "weight of b must be a number >= 0, got -0.5",
  );
  assert.equal(
    message(() => validateWeights([{ id: "a", weight: NaN }])),
    "weight of a must be a number >= 0, got NaN",
  );
  assert.equal(
    message(() => validateWeights([{ id: "a", weight: 0 }, { id: "b", weight: 0 }])),
    "weights are all zero (a, b); at least one detector needs a positive weight",
  );
  validateWeights([{ id: "a", weight: 0 }, { id: "b" }]); // one positive (default 1) is enough
  assert.throws(
    () => detectionObjective([{ detector: channelDetector("a", 0, 1, 1), weight: 0 }]),
    /weights are all zero \(a\)/,
  );
});

Deno.test("balance modes: balanced: true still means log; unknown or contradictory ones are refused", () => {
  assert.equal(balanceMode({}), "off");
  assert.equal(balanceMode({ balanced: true }), "log");
  assert.equal(balanceMode({ balanced: false }), "off");
  assert.equal(balanceMode({ balance: "adaptive" }), "adaptive");
  assert.equal(balanceMode({ balance: "log", balanced: true }), "log");
  assert.throws(
    () => balanceMode({ balance: "even" }),
    (e: Error) =>
      e instanceof UserError &&
      e.message === 'balance must be one of off, log, adaptive, got "even"',
  );
  assert.throws(() => balanceMode({ balance: "adaptive", balanced: true }), /contradicts/);
});

Deno.test("adaptive weights: a member that sees nothing at the start borrows the smallest normaliser", () => {
  const weights = new AdaptiveWeights([1, 1, 2]);
  assert.deepEqual(weights.multipliers(), [1, 1, 2]);
  weights.observe([10, 0, 4]);
  // Normalisers 10, 4 (borrowed), 4; normalised losses 1, 0, 1; shares 1.05 : 0.05 : 2.1
  // of the total weight 4.
  const m = weights.multipliers();
  const sum = 1.05 + 0.05 + 2.1;
  assert.ok(Math.abs(m[0] - 1.05 / sum * 4 / 10) < 1e-12, `${m}`);
  assert.ok(Math.abs(m[1] - 0.05 / sum * 4 / 4) < 1e-12, `${m}`);
  assert.ok(Math.abs(m[2] - 2.1 / sum * 4 / 4) < 1e-12, `${m}`);
  assert.equal(weights.value([5, 2, 4]), 5 / 10 + 2 / 4 + 2 * 4 / 4);
});
