/** The wasm Identity shares storage, counts references, and frees memory with the last one. */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";

Deno.test("wasm clones share storage until the last reference goes", async () => {
  await initBackend("wasm");
  const bytesBefore = tf.memory().numBytes;
  const original = tf.tensor1d([1, 2, 3]);
  const clone = original.clone();
  assert.equal(clone.dataId, original.dataId, "a clone is a new reference, not a copy");
  original.dispose();
  assert.deepEqual(Array.from(await clone.data()), [1, 2, 3]);
  // An op on the clone writes a new tensor and leaves the shared storage alone.
  const doubled = clone.mul(2);
  assert.deepEqual(Array.from(await clone.data()), [1, 2, 3]);
  assert.deepEqual(Array.from(await doubled.data()), [2, 4, 6]);
  tf.dispose([clone, doubled]);
  assert.equal(tf.memory().numBytes, bytesBefore);
  const strings = tf.tensor1d(["a", "b"]);
  const stringClone = strings.clone();
  assert.deepEqual(await stringClone.data(), ["a", "b"]);
  tf.dispose([strings, stringClone]);
});
