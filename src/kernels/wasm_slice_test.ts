/** The in-place wasm Slice gives exactly the cpu backend's windows, for every rank and dtype. */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { seededRandom } from "../random.ts";

Deno.test("wasm slices equal the cpu backend's on random windows", async () => {
  const random = seededRandom(11);
  const draw = (n: number) => Math.floor(random.next() * n);
  const cases: { shape: number[]; begin: number[]; size: number[]; dtype: tf.DataType }[] = [];
  for (let i = 0; i < 60; i++) {
    const rank = 1 + (i % 5);
    const shape = Array.from({ length: rank }, () => 1 + draw(7));
    const begin = shape.map((d) => draw(d));
    // Some axes taken whole (merged runs), some to the end with -1, some partial.
    const size = shape.map((d, a) => {
      const choice = draw(3);
      if (choice === 0 && begin[a] === 0) return d;
      if (choice === 1) return -1;
      return 1 + draw(d - begin[a]);
    });
    const dtype = (["float32", "int32", "bool"] as const)[i % 3];
    cases.push({ shape, begin, size, dtype });
  }
  // Long runs (bulk copies) and the 3-channel crop that motivated this kernel.
  cases.push({
    shape: [1, 194, 194, 3],
    begin: [0, 1, 1, 0],
    size: [1, 192, 192, 3],
    dtype: "float32",
  });
  cases.push({ shape: [2, 5, 300], begin: [1, 2, 7], size: [1, 3, 200], dtype: "float32" });
  const results: Record<string, unknown[]> = { cpu: [], wasm: [] };
  for (const backend of ["cpu", "wasm"]) {
    await initBackend(backend);
    for (const c of cases) {
      const count = c.shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: count }, (_, k) => (k * 7919) % 1000 - 500);
      const x = tf.tensor(values, c.shape, c.dtype);
      const window = tf.slice(x, c.begin, c.size);
      results[backend].push({ shape: window.shape, values: Array.from(await window.data()) });
      tf.dispose([x, window]);
    }
  }
  assert.deepEqual(results.wasm, results.cpu);
});
