/** The fused wasm candidate equals the tfjs-op quantisation bit for bit. */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { Perturbation } from "./perturbation.ts";
import { adversarialImages, quantize, quantizedCandidate } from "./quantized_candidate.ts";
import type { AttackProblem } from "./types.ts";

Deno.test("quantizedCandidate on wasm equals quantize(adversarialImages) on cpu and wasm", async () => {
  const shape = [2, 9, 14, 3];
  const size = shape.reduce((a, b) => a * b, 1);
  // Clean pixels at both ends of the range, and steps at and just below whole levels.
  const clean = Array.from({ length: size }, (_, i) => [0, 255, 17, 128, 254, 1][i % 6]);
  const near = [0, 1, -1, 2.99995, -2.99995, 2.9998, 0.49, -0.5, 300, -300, 7.25, -12.75];
  const steps = Array.from({ length: size }, (_, i) => near[i % near.length] * (1 + (i % 5) / 7));
  const results: Record<string, number[]> = {};
  for (const backend of ["cpu", "wasm"]) {
    await initBackend(backend);
    const cleanTensor = tf.tensor4d(clean, shape as [number, number, number, number]);
    for (const factor of [1, 2]) {
      const perturbation = new Perturbation(shape, { factor });
      const [, h, w] = perturbation.variableShape;
      const variable = tf.tensor4d(steps.slice(0, 2 * h * w * 3), [2, h, w, 3]);
      const problem = { clean: cleanTensor, perturbation } as unknown as AttackProblem;
      const viaOps = tf.tidy(() => quantize(cleanTensor, adversarialImages(problem, variable)));
      const fused = quantizedCandidate(problem, variable);
      const key = `${backend} factor ${factor}`;
      results[`${key} ops`] = Array.from(await viaOps.data());
      results[`${key} fused`] = Array.from(await fused.data());
      tf.dispose([variable, viaOps, fused]);
      perturbation.dispose();
    }
    cleanTensor.dispose();
  }
  for (const factor of [1, 2]) {
    const want = results[`cpu factor ${factor} ops`];
    assert.deepEqual(results[`wasm factor ${factor} ops`], want);
    assert.deepEqual(results[`wasm factor ${factor} fused`], want);
  }
  // The truncation rule itself: towards zero, clipped to 0..255, and a step within 1e-4
  // of a whole level counts as that level (pixel 15: 128 + 2.99995 -> 131).
  const first = results["cpu factor 1 ops"];
  assert.deepEqual(first.slice(0, 6), [0, 255, 16, 132, 250, 3]);
  assert.equal(first[15], 131);
});
