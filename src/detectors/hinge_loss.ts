/**
 * The per-detector loss of the detection objective: a hinge on every anchor's face logit,
 * optionally computed a chunk of the batch at a time. Shared by the objective on the main
 * thread and by the gradient workers (src/parallel/), so both compute the same numbers.
 */
import * as tf from "@tensorflow/tfjs";
import type { WhiteBoxDetector } from "./types.ts";

/**
 * Sum over anchors of max(0, logit - (threshold - margin)), squared when `squared`,
 * averaged over the batch: zero exactly when every anchor of every image is safely below
 * the threshold. Squared, each anchor's gradient grows with how far it is over the line,
 * so the anchors that make a detection get the push, not the many that sit just inside the
 * margin: on a portrait where BlazeFace front kept its one face through 240 steps at 16
 * grey levels with the plain hinge, the squared one hid it in 10 steps at 4.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { hingeLoss } from "./hinge_loss.ts";
 * await initBackend("wasm");
 * // One image, two anchors; threshold 0, margin 1: only logits above -1 count.
 * const logits = tf.tensor2d([[0.5, -3]]);
 * const plain = hingeLoss(logits, 0, 1);
 * const squared = hingeLoss(logits, 0, 1, true);
 * assert.equal(plain.dataSync()[0], 1.5);
 * assert.equal(squared.dataSync()[0], 2.25);
 * tf.dispose([logits, plain, squared]);
 * ```
 */
export function hingeLoss(
  logits: tf.Tensor2D,
  logitThreshold: number,
  margin: number,
  squared = false,
): tf.Scalar {
  return tf.tidy(() => {
    const over = logits.sub(logitThreshold - margin).relu();
    return (squared ? over.square() : over).sum(1).mean() as tf.Scalar;
  });
}

/**
 * hingeLoss of a detector over a batch, computed `chunk` images at a time when the batch
 * is larger. Each chunk's forward pass keeps nothing for the backward pass (tfjs records
 * no tape inside a custom gradient's forward function); its gradient runs the chunk's
 * forward again, so peak memory is one chunk's at the cost of a second forward pass.
 */
export function chunkedHingeLoss(
  detector: WhiteBoxDetector,
  batch: tf.Tensor4D,
  margin: number,
  chunk?: number,
  squared = false,
): tf.Scalar {
  const total = batch.shape[0];
  if (!chunk || total <= chunk) {
    return hingeLoss(detector.faceLogits(batch), detector.logitThreshold, margin, squared);
  }
  const hingeSum = (x: tf.Tensor4D) =>
    tf.tidy(() =>
      hingeLoss(detector.faceLogits(x), detector.logitThreshold, margin, squared).mul(x.shape[0])
    ) as tf.Scalar;
  const recomputed = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    save([x]);
    return {
      value: hingeSum(x),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        gradientDuringBackprop(hingeSum, saved[0] as tf.Tensor4D).mul(dy),
    };
  });
  return tf.tidy(() => {
    const sums: tf.Tensor[] = [];
    for (let start = 0; start < total; start += chunk) {
      const size = Math.min(chunk, total - start);
      sums.push(recomputed(batch.slice([start, 0, 0, 0], [size, -1, -1, -1])));
    }
    return tf.addN(sums).div(total) as tf.Scalar;
  });
}

/**
 * One ensemble member's term: its hinge loss, or with `balanced` log(1 + hinge loss). The
 * logarithm divides the member's gradient by 1 + its loss, so a detector that still sees
 * one face near its threshold is not drowned out by one that sees many: the sign of the
 * summed gradient then serves every member, and the step goes where faces are left.
 */
export function memberLoss(
  detector: WhiteBoxDetector,
  batch: tf.Tensor4D,
  options: { margin: number; chunk?: number; balanced?: boolean; squared?: boolean },
): tf.Scalar {
  const hinge = chunkedHingeLoss(detector, batch, options.margin, options.chunk, options.squared);
  return options.balanced ? tf.tidy(() => tf.log1p(hinge) as tf.Scalar) : hinge;
}

/**
 * tf.grad called from inside another gradient's backward pass. tfjs 4.22 treats it as a
 * first-order gradient (the outer tape has ended) and, when done, drops the engine's
 * active tape, which the outer pass still needs for its own clean-up: keep and restore it.
 */
function gradientDuringBackprop(f: (x: tf.Tensor4D) => tf.Scalar, x: tf.Tensor4D): tf.Tensor {
  const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
  const outerTape = state.activeTape;
  try {
    return tf.grad((input) => f(input as tf.Tensor4D))(x);
  } finally {
    state.activeTape = outerTape;
  }
}
