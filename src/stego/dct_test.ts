/** The 8x8 DCT against the textbook double-sum formula, and the basis patterns' orthonormality. */
import assert from "node:assert/strict";
import { seededRandom } from "../random.ts";
import { basisPattern, forwardDct8x8, project } from "./dct.ts";

/** JPEG's FDCT written out (ITU-T T.81 A.3.3), no separability, no tables. */
function directDct(block: Float32Array, v: number, u: number): number {
  const c = (k: number) => (k === 0 ? Math.SQRT1_2 : 1);
  let sum = 0;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      sum += block[y * 8 + x] * Math.cos(((2 * x + 1) * u * Math.PI) / 16) *
        Math.cos(((2 * y + 1) * v * Math.PI) / 16);
    }
  }
  return 0.25 * c(u) * c(v) * sum;
}

function randomBlock(seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: 64 }, () => random.uniform(0, 255));
}

Deno.test("forwardDct8x8 and project match the direct JPEG DCT formula", () => {
  for (let seed = 1; seed <= 5; seed++) {
    const block = randomBlock(seed);
    const full = forwardDct8x8(block);
    for (let v = 0; v < 8; v++) {
      for (let u = 0; u < 8; u++) {
        const expected = directDct(block, v, u);
        assert.ok(Math.abs(full[v * 8 + u] - expected) < 1e-9, `(${v},${u}) ${full[v * 8 + u]}`);
        assert.ok(Math.abs(project(basisPattern(v, u), block) - expected) < 1e-3);
      }
    }
  }
});

Deno.test("a flat block has only a DC coefficient, 8 x its level", () => {
  const full = forwardDct8x8(new Float32Array(64).fill(100));
  assert.ok(Math.abs(full[0] - 800) < 1e-9);
  for (let i = 1; i < 64; i++) assert.ok(Math.abs(full[i]) < 1e-9);
});

Deno.test("basis patterns are orthonormal, so adding one moves only its coefficient", () => {
  const pairs: [number, number][] = [[2, 0], [1, 1], [0, 3], [2, 2], [7, 7]];
  for (const [v1, u1] of pairs) {
    for (const [v2, u2] of pairs) {
      const dot = project(basisPattern(v1, u1), basisPattern(v2, u2));
      assert.ok(Math.abs(dot - (v1 === v2 && u1 === u2 ? 1 : 0)) < 1e-6, `${v1}${u1}.${v2}${u2}`);
    }
  }
});
