/** Derived filters are made once per weight and freed with it. */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { cachedFilterCount, constantForShape, derivedFromFilter } from "./filter_cache.ts";

Deno.test("a derived filter is made once per weight, shared by its clones, and freed with it", async () => {
  await initBackend("wasm");
  const entriesBefore = cachedFilterCount();
  const weight = tf.tensor4d([1, 2, 3, 4], [2, 2, 1, 1]);
  let made = 0;
  const flip = (f: tf.Tensor) => {
    made++;
    return tf.reverse(f, [0, 1]);
  };
  const first = derivedFromFilter(weight, "test-flip", flip);
  // tfjs hands gradients clones of the weights: same storage, same entry.
  const clone = weight.clone();
  const again = tf.tidy(() => derivedFromFilter(clone, "test-flip", flip));
  clone.dispose();
  assert.equal(made, 1);
  assert.equal(again, first);
  assert.deepEqual(Array.from(await first.data()), [4, 3, 2, 1]);
  assert.equal(cachedFilterCount(), entriesBefore + 1);
  const tensorsWithEntry = tf.memory().numTensors;
  weight.dispose();
  assert.equal(cachedFilterCount(), entriesBefore);
  assert.ok(first.isDisposed);
  // The weight, the cache's handle on it and the derived filter are gone.
  assert.equal(tf.memory().numTensors, tensorsWithEntry - 3);
});

Deno.test("shape constants are made per backend, never moved between them", async () => {
  const make = () => tf.fill([2, 2], 7);
  await initBackend("cpu");
  const onCpu = constantForShape("test-per-backend", [2, 2], make);
  await initBackend("wasm");
  const onWasm = constantForShape("test-per-backend", [2, 2], make);
  // A shared entry would move its data across backends on first use; webgpu cannot be read
  // synchronously under Deno, so that move failed after a webgpu run (bench --backend webgpu).
  assert.notEqual(onWasm, onCpu);
  assert.equal(constantForShape("test-per-backend", [2, 2], make), onWasm);
  assert.deepEqual(Array.from(await onWasm.data()), [7, 7, 7, 7]);
});
