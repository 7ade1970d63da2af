/** SpaceToDepth inverts tfjs's DepthToSpace, and tf.grad goes through DepthToSpace with it. */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { spaceToDepth } from "./space_to_depth.ts";

Deno.test("spaceToDepth inverts depthToSpace and is its gradient", async () => {
  await initBackend("wasm");
  const x = tf.randomNormal([2, 3, 5, 12], 0, 1, "float32", 1) as tf.Tensor4D;
  const y = tf.depthToSpace(x, 2);
  assert.deepEqual(y.shape, [2, 6, 10, 3]);
  assert.equal(tf.sub(spaceToDepth(y, 2), x).abs().max().dataSync()[0], 0);
  // d/dx sum(depthToSpace(x) * w) = spaceToDepth(w): checked element by element.
  const w = tf.randomNormal(y.shape, 0, 1, "float32", 2) as tf.Tensor4D;
  const g = tf.grad((t) => tf.depthToSpace(t as tf.Tensor4D, 2).mul(w).sum())(x);
  assert.equal(tf.sub(g, spaceToDepth(w, 2)).abs().max().dataSync()[0], 0);
  // Moving one input element moves exactly one output element.
  const bump = tf.oneHot([17], x.size).reshape(x.shape);
  const moved = tf.depthToSpace(x.add(bump) as tf.Tensor4D, 2).sub(y).abs().sum().dataSync()[0];
  assert.ok(Math.abs(moved - 1) < 1e-6);
});

Deno.test("spaceToDepth rejects sizes that are not multiples of the block", () => {
  assert.throws(() => spaceToDepth(tf.zeros([1, 3, 4, 1]) as tf.Tensor4D, 2), RangeError);
});
