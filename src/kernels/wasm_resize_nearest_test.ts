/**
 * The row-copying wasm nearest resize gives tfjs's cpu kernel's values for power-of-two
 * factors (the max-pool gradient's 2x, and 4x by 2x), and leaves other resizes to tfjs.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { registerRowCopyingWasmResizeNearest, upsampleRows } from "./wasm_resize_nearest.ts";

type Case = [string, [number, number, number, number], [number, number], boolean, boolean];

const CASES: Case[] = [
  ["2x, odd sizes", [2, 5, 3, 4], [10, 6], false, false],
  ["4x by 2x", [1, 3, 4, 2], [12, 8], false, false],
  ["3x (left to tfjs)", [1, 3, 2, 2], [9, 6], false, false],
  ["2x, half-pixel centres (left to tfjs)", [1, 3, 3, 1], [6, 6], false, true],
  ["downsampling (left to tfjs)", [1, 8, 8, 1], [4, 4], false, false],
];

async function resize(c: Case): Promise<number[]> {
  const [, shape, size, align, half] = c;
  const n = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor4d(Array.from({ length: n }, (_, i) => i * 1.5 - 4), shape);
  const y = tf.image.resizeNearestNeighbor(x, size, align, half);
  const values = Array.from(await y.data());
  tf.dispose([x, y]);
  return values;
}

Deno.test("wasm nearest resize: equals the cpu kernel on every case", async () => {
  await initBackend("cpu");
  const want = [];
  for (const c of CASES) want.push(await resize(c));
  await initBackend("wasm");
  registerRowCopyingWasmResizeNearest();
  for (const [i, c] of CASES.entries()) assert.deepEqual(await resize(c), want[i], c[0]);
});

Deno.test("upsampleRows: a 2x2 single-channel image doubled, by hand", () => {
  const target = new Float32Array(16);
  upsampleRows(Float32Array.from([1, 2, 3, 4]), [1, 2, 2, 1], 2, 2, target);
  assert.deepEqual(Array.from(target), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
});
