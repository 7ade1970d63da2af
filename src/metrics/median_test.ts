/** The shared median: odd and even counts, values that are not finite, an empty list. */
import assert from "node:assert/strict";
import { median } from "./median.ts";

Deno.test("median: middle value for an odd count, mean of the middle two for an even one", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

Deno.test("median: ignores values that are not finite and leaves the input in order", () => {
  const values = [9, Number.NaN, 1, Number.POSITIVE_INFINITY, 5];
  assert.equal(median(values), 5);
  assert.equal(values[0], 9);
  assert.equal(values[2], 1);
});

Deno.test("median: NaN when nothing finite is left", () => {
  assert.ok(Number.isNaN(median([])));
  assert.ok(Number.isNaN(median([Number.NaN])));
});
