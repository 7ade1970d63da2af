/** The keyed permutation: a bijection, inverted by backward, scattering neighbours. */
import assert from "node:assert/strict";
import { KeyedPermutation } from "./permutation.ts";

Deno.test("forward is a bijection of 0..size-1 and backward inverts it", () => {
  for (const size of [1, 2, 5, 64, 1000, 12345]) {
    const permutation = new KeyedPermutation(size, 42);
    const seen = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      const j = permutation.forward(i);
      assert.ok(j >= 0 && j < size, `${size}: ${i} -> ${j}`);
      assert.equal(seen[j], 0, `${size}: ${j} hit twice`);
      seen[j] = 1;
      assert.equal(permutation.backward(j), i);
    }
  }
});

Deno.test("the key changes the permutation and neighbours land far apart", () => {
  const size = 100_000;
  const a = new KeyedPermutation(size, 1), b = new KeyedPermutation(size, 2);
  let same = 0, near = 0;
  for (let i = 0; i < 1000; i++) {
    if (a.forward(i) === b.forward(i)) same++;
    if (Math.abs(a.forward(i + 1) - a.forward(i)) < size / 100) near++;
  }
  // A random permutation has about 1 fixed point in common and 2% of neighbours within 1%.
  assert.ok(same < 5, `${same}`);
  assert.ok(near < 50, `${near}`);
});

Deno.test("sizes beyond 2^30 are refused", () => {
  assert.throws(() => new KeyedPermutation(2 ** 30 + 1, 1), RangeError);
  assert.throws(() => new KeyedPermutation(-1, 1), RangeError);
});
