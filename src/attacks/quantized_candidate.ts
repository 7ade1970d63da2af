/**
 * The 8-bit photo an attack would write now: clean + perturbation, clipped, with the
 * perturbation truncated towards zero (quantize below). Robust attacks build it
 * every step at full resolution; as eight tfjs ops on a 1920x1280 photo it took about a
 * quarter of a second on wasm, so there one JavaScript pass over the heap computes the
 * same float32 arithmetic instead.
 */
import * as tf from "@tensorflow/tfjs";
import type { AttackProblem } from "./types.ts";
import { activeWasmHeap, float32View, tensorFromHeap } from "../kernels/wasm_heap.ts";

/** Clean + perturbation at photo resolution, clipped to valid pixel values. */
export function adversarialImages(problem: AttackProblem, variable: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() =>
    problem.clean.add(problem.perturbation.toPixels(variable)).clipByValue(0, 255) as tf.Tensor4D
  );
}

/**
 * Rounds adversarial images to 8 bits without leaving the budget: the perturbation is
 * truncated towards zero, so each pixel moves no further than the float result did, for
 * L-inf and L2 alike.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { quantize } from "./quantized_candidate.ts";
 * await initBackend("wasm");
 * const clean = tf.tensor4d([100, 100, 100, 250], [1, 2, 2, 1]);
 * const adversarial = tf.tensor4d([102.7, 97.2, 100.4, 258], [1, 2, 2, 1]);
 * const written = quantize(clean, adversarial);
 * // Each change truncated towards zero, then clipped to 0..255.
 * assert.deepEqual(Array.from(written.dataSync()), [102, 98, 100, 255]);
 * tf.dispose([clean, adversarial, written]);
 * ```
 */
export function quantize(clean: tf.Tensor4D, adversarial: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const delta = adversarial.sub(clean);
    const truncated = tf.sign(delta).mul(tf.floor(tf.abs(delta).add(1e-4)));
    return clean.add(truncated).clipByValue(0, 255) as tf.Tensor4D;
  });
}

const EPSILON = Math.fround(1e-4);

/** quantize(clean, adversarialImages(problem, variable)), fused on wasm. */
export function quantizedCandidate(problem: AttackProblem, variable: tf.Tensor4D): tf.Tensor4D {
  const clean = problem.clean;
  const heap = activeWasmHeap();
  if (!heap || clean.dtype !== "float32") {
    return tf.tidy(() => quantize(clean, adversarialImages(problem, variable)));
  }
  const pixels = problem.perturbation.toPixels(variable);
  const out = heap.makeOutput(clean.shape, "float32");
  // Views after the allocation: nothing allocates while they are in use.
  const c = float32View(heap, clean);
  const p = float32View(heap, pixels);
  const o = float32View(heap, out);
  for (let i = 0; i < o.length; i++) {
    // The same float32 steps as the tfjs ops: add, clip, subtract, truncate, add.
    let a = Math.fround(c[i] + p[i]);
    a = a < 0 ? 0 : a > 255 ? 255 : a;
    const delta = Math.fround(a - c[i]);
    const magnitude = Math.floor(Math.fround(Math.abs(delta) + EPSILON));
    const value = c[i] + (delta > 0 ? magnitude : delta < 0 ? -magnitude : 0);
    o[i] = value < 0 ? 0 : value > 255 ? 255 : value;
  }
  if (pixels !== variable) pixels.dispose();
  return tensorFromHeap(out) as tf.Tensor4D;
}
