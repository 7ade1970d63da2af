/** The relative L2 distance, on values worked out by hand. */
import assert from "node:assert/strict";
import { relativeL2 } from "./relative_l2.ts";

Deno.test("relative L2: by hand, and refusing a zero reference or unequal lengths", () => {
  assert.equal(relativeL2([3, 4], [3, 4]), 0);
  assert.equal(relativeL2([3, 4], [0, 0]), 1); // ||(3,4)|| / ||(3,4)||
  assert.equal(relativeL2([3, 4], [3, 4 + 2.5]), 0.5); // 2.5 / 5
  assert.equal(relativeL2(new Float32Array([1, 0]), new Float32Array([1, 1])), 1);
  assert.throws(() => relativeL2([0, 0], [1, 1], "gradient"), /gradient is all zeros/);
  assert.throws(() => relativeL2([1, 2], [1]), /lengths differ \(2 vs 1\)/);
});
