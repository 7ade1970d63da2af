/**
 * TI-FGSM's kernel against the authors' definition (Dong et al. 2019; their reference
 * code: the normal density at k points evenly spaced over [-3, 3], outer product,
 * normalised to sum 1), so sigma is (k - 1) / 6 pixels. Values below are computed by hand
 * for k = 7 (sigma 1): the 1-D weights are exp(-x^2 / 2) for x = -3..3 over their sum
 * 2.5059499, i.e. 0.0044330, 0.0540056, 0.2420362, 0.3990503, ...
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { gaussianKernel, kernelSigma, tifgsm } from "./tifgsm.ts";
import { Perturbation } from "./perturbation.ts";
import { toyObjective } from "../testing/toy_objective.ts";

const ONE_D = [0.0044330, 0.0540056, 0.2420362, 0.3990503, 0.2420362, 0.0540056, 0.0044330];

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

Deno.test("the TI kernel of side 7 is the authors' 3-sigma Gaussian, sigma 1", async () => {
  await initBackend("wasm");
  assert.equal(kernelSigma(7), 1);
  assert.equal(kernelSigma(15), 14 / 6); // the paper's default side
  const kernel = gaussianKernel(7);
  assert.deepEqual(kernel.shape, [7, 7, 3, 1]);
  const values = kernel.dataSync();
  for (let y = 0; y < 7; y++) {
    for (let x = 0; x < 7; x++) {
      for (let c = 0; c < 3; c++) {
        const value = values[(y * 7 + x) * 3 + c];
        close(value, ONE_D[y] * ONE_D[x], 2e-7, `kernel (${y}, ${x}) channel ${c}`);
      }
    }
  }
  // Spot checks written out: centre 0.3990503^2, its neighbour, a corner.
  close(values[(3 * 7 + 3) * 3], 0.1592411, 1e-7, "centre");
  close(values[(3 * 7 + 4) * 3], 0.0965846, 1e-7, "next to the centre");
  close(values[0], 1.96519e-5, 1e-10, "corner");
  kernel.dispose();
  const identity = gaussianKernel(1);
  assert.deepEqual([...identity.dataSync()], [1, 1, 1]);
  identity.dispose();
});

Deno.test("TI-FGSM smooths the gradient with that kernel before its step", async () => {
  await initBackend("wasm");
  const shape = [1, 9, 9, 3];
  const clean = tf.fill(shape as [number, number, number, number], 100) as tf.Tensor4D;
  // The loss's gradient is one pixel of the red channel, in the middle: smoothed, it
  // becomes the kernel itself around that pixel.
  const centre = (4 * 9 + 4) * 3;
  const objective = toyObjective(shape, {
    weights: () => Array.from({ length: 9 * 9 * 3 }, (_, i) => i === centre ? 1 : 0),
  });
  const perturbation = new Perturbation(shape);
  // One L2 step of length 1: the variable is -K / ||K||_2, whose ratios show the kernel.
  const result = await tifgsm(
    { clean, objective, perturbation, keepVariable: true },
    { eps: 10, steps: 1, stepSize: 1, norm: "l2", kernelSize: 7 },
  );
  const v = result.variable!.dataSync();
  const at = (y: number, x: number, c = 0) => v[(y * 9 + x) * 3 + c];
  // ||K||_2 = sum of the squared 1-D weights = 0.2822767.
  close(at(4, 4), -0.1592411 / 0.2822767, 1e-5, "centre");
  close(at(4, 5) / at(4, 4), Math.exp(-1 / 2), 1e-5, "one pixel away: exp(-1 / 2 sigma^2)");
  close(at(5, 5) / at(4, 4), Math.exp(-1), 1e-5, "one pixel diagonally");
  close(at(4, 6) / at(4, 4), Math.exp(-2), 1e-5, "two pixels away");
  close(at(1, 1) / at(4, 4), Math.exp(-9), 1e-6, "the kernel's corner");
  assert.equal(at(0, 4), 0, "outside the kernel");
  assert.equal(at(4, 4, 1), 0, "the gradient of green was zero");
  tf.dispose([result.adversarial, result.variable!, clean]);
  perturbation.dispose();
});
