/**
 * The in-place wasm SplitV gives tfjs's cpu kernel's parts: channel halves of a feature
 * map (Concat's gradient, as in FaceBoxes' CReLU), uneven sizes with an inferred one,
 * other axes, int32 and a part of size 0.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { registerInPlaceWasmSplit } from "./wasm_split.ts";

type Case = [string, number[], "float32" | "int32", number | number[], number];

const CASES: Case[] = [
  ["channel halves", [1, 6, 5, 8], "float32", 2, 3],
  ["uneven, one inferred", [2, 3, 4, 7], "float32", [2, -1, 1], -1],
  ["rows", [1, 9, 4, 3], "float32", [4, 5], 1],
  ["batch", [3, 2, 2, 2], "int32", 3, 0],
  ["an empty part", [2, 5], "float32", [0, 5], 1],
];

async function parts(c: Case): Promise<{ shape: number[]; values: number[] }[]> {
  const [, shape, dtype, split, axis] = c;
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(Array.from({ length: size }, (_, i) => i * 2 - 5), shape, dtype);
  const ys = tf.split(x, split, axis);
  const result = [];
  for (const y of ys) result.push({ shape: y.shape, values: Array.from(await y.data()) });
  tf.dispose([x, ...ys]);
  return result;
}

Deno.test("wasm split: equals the cpu kernel on every case", async () => {
  await initBackend("cpu");
  const want = [];
  for (const c of CASES) want.push(await parts(c));
  await initBackend("wasm");
  registerInPlaceWasmSplit();
  for (const [i, c] of CASES.entries()) assert.deepEqual(await parts(c), want[i], c[0]);
});

Deno.test("wasm split: Concat's gradient is the upstream gradient's halves", async () => {
  await initBackend("wasm");
  registerInPlaceWasmSplit();
  const a = tf.ones([1, 2, 2, 3]);
  const b = tf.ones([1, 2, 2, 2]);
  const weights = tf.range(0, 20).reshape([1, 2, 2, 5]);
  // d/da sum(w * concat(a, b)) = w's first 3 channels, d/db its last 2.
  const [ga, gb] = tf.grads((x, y) => tf.concat([x, y], 3).mul(weights).sum())([a, b]);
  assert.deepEqual(Array.from(await ga.data()), [0, 1, 2, 5, 6, 7, 10, 11, 12, 15, 16, 17]);
  assert.deepEqual(Array.from(await gb.data()), [3, 4, 8, 9, 13, 14, 18, 19]);
  tf.dispose([a, b, weights, ga, gb]);
});
