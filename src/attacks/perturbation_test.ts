/**
 * The perturbation parametrisation: the cheap detector view equals the deployed
 * pipeline (upsample to the photo, then the detector's bilinear resize), budgets are
 * projected exactly, masks weight the change.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { Perturbation } from "./perturbation.ts";

Deno.test("resized() equals upsampling to the photo and resizing it, value and gradient", async () => {
  await initBackend("wasm");
  const p = new Perturbation([1, 120, 180, 3], { factor: 6 });
  const v = tf.randomUniform(p.variableShape, -8, 8, "float32", 3) as tf.Tensor4D;
  const direct = tf.image.resizeBilinear(p.toPixels(v), [64, 64]);
  const fast = p.resized(v, 64, 64);
  assert.ok(tf.sub(direct, fast).abs().max().dataSync()[0] < 1e-4);
  const w = tf.randomNormal([1, 64, 64, 3], 0, 1, "float32", 4);
  const gDirect = tf.grad((x) =>
    tf.image.resizeBilinear(p.toPixels(x as tf.Tensor4D), [64, 64]).mul(w).sum()
  )(v);
  const gFast = tf.grad((x) => p.resized(x as tf.Tensor4D, 64, 64).mul(w).sum())(v);
  assert.ok(tf.sub(gDirect, gFast).abs().max().dataSync()[0] < 1e-4);
  p.dispose();
});

Deno.test("L-inf and L2 projections keep the pixel perturbation inside the budget", async () => {
  await initBackend("wasm");
  const p = new Perturbation([2, 60, 90, 3], { factor: 3 });
  const v = tf.randomNormal(p.variableShape, 0, 20, "float32", 5) as tf.Tensor4D;
  const linf = p.project(v, 8, "linf");
  assert.ok(p.toPixels(linf).abs().max().dataSync()[0] <= 8 + 1e-5);
  const l2 = p.project(v, 1.5, "l2");
  const norms = await p.pixelL2(l2).data();
  for (const n of norms) assert.ok(Math.abs(n - 1.5) < 1e-3, `L2 norm ${n}`);
  const small = p.project(tf.mul(v, 1e-4) as tf.Tensor4D, 1.5, "l2");
  assert.ok(tf.sub(small, tf.mul(v, 1e-4)).abs().max().dataSync()[0] < 1e-9, "inside: unchanged");
  p.dispose();
});

Deno.test("a mask confines the perturbation; random starts respect the budget", async () => {
  await initBackend("wasm");
  const mask = tf.concat([tf.ones([1, 60, 45, 1]), tf.zeros([1, 60, 45, 1])], 2) as tf.Tensor4D;
  const p = new Perturbation([1, 60, 90, 3], { factor: 3, mask });
  const start = p.randomStart(8, "linf", 9);
  const pixels = p.toPixels(start);
  assert.ok(pixels.slice([0, 0, 60, 0], [1, 60, 30, 3]).abs().max().dataSync()[0] < 1e-6);
  assert.ok(pixels.slice([0, 0, 0, 0], [1, 60, 40, 3]).abs().max().dataSync()[0] > 4);
  assert.ok(pixels.abs().max().dataSync()[0] <= 8);
  const l2Start = p.randomStart(2, "l2", 9);
  assert.ok((await p.pixelL2(l2Start).data())[0] <= 2 + 1e-4);
  assert.throws(() => new Perturbation([1, 10, 10, 3], { factor: 0 }), RangeError);
  p.dispose();
});

Deno.test("a luma perturbation moves R, G and B alike, inside the budget, through resized()", async () => {
  await initBackend("wasm");
  const mask = tf.concat([tf.ones([1, 30, 20, 1]), tf.fill([1, 30, 20, 1], 0.5)], 2) as tf.Tensor4D;
  const p = new Perturbation([1, 30, 40, 3], { factor: 2, mask, colour: "luma" });
  assert.deepEqual(p.variableShape, [1, 15, 20, 1]);
  const v = p.project(
    tf.randomNormal(p.variableShape, 0, 20, "float32", 7) as tf.Tensor4D,
    6,
    "linf",
  );
  const pixels = p.toPixels(v);
  const [r, g, b] = tf.split(pixels, 3, 3);
  assert.equal(tf.sub(r, g).abs().max().dataSync()[0], 0);
  assert.equal(tf.sub(r, b).abs().max().dataSync()[0], 0);
  assert.ok(pixels.abs().max().dataSync()[0] <= 6 + 1e-5);
  assert.ok(pixels.abs().max().dataSync()[0] > 3, "the budget is used");
  // The masked half gets at most half the budget.
  assert.ok(pixels.slice([0, 0, 24, 0], [1, 30, 16, 3]).abs().max().dataSync()[0] <= 3 + 1e-5);
  const direct = tf.image.resizeBilinear(pixels, [16, 16]);
  assert.ok(tf.sub(direct, p.resized(v, 16, 16)).abs().max().dataSync()[0] < 1e-4);
  // The gradient of a loss on all three channels reaches the one grey channel as their sum.
  const w = tf.randomNormal([1, 30, 40, 3], 0, 1, "float32", 8);
  const grad = tf.grad((x) => p.toPixels(x as tf.Tensor4D).mul(w).sum())(v);
  assert.deepEqual(grad.shape, [1, 15, 20, 1]);
  assert.throws(
    () => new Perturbation([1, 10, 10, 3], { colour: "lab" as "rgb" }),
    /colour must be "rgb" or "luma"/,
  );
  p.dispose();
});
