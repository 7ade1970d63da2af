/**
 * The orthonormal 8x8 DCT-II that JPEG quantises (ITU-T T.81, A.3.3): a coefficient here is
 * exactly what libjpeg divides by its quantisation table entry, so steps chosen against JPEG's
 * tables mean what they say.
 */

/** Side of a JPEG block in pixels. */
export const BLOCK_SIZE = 8;

/** 1-D basis: `DCT_BASIS[k * 8 + n] = c(k) cos((2n + 1) k pi / 16)`, c(0) = sqrt(1/8), else 1/2. */
export const DCT_BASIS: Float64Array = (() => {
  const basis = new Float64Array(BLOCK_SIZE * BLOCK_SIZE);
  for (let k = 0; k < BLOCK_SIZE; k++) {
    const scale = k === 0 ? Math.sqrt(1 / BLOCK_SIZE) : Math.sqrt(2 / BLOCK_SIZE);
    for (let n = 0; n < BLOCK_SIZE; n++) {
      basis[k * BLOCK_SIZE + n] = scale * Math.cos(((2 * n + 1) * k * Math.PI) / (2 * BLOCK_SIZE));
    }
  }
  return basis;
})();

/**
 * The 64-pixel pattern of coefficient (row frequency `v`, column frequency `u`):
 * `pattern[y * 8 + x]`. Coefficient = sum(pattern * block); adding `a * pattern` to a block adds
 * `a` to that coefficient and nothing to any other (the basis is orthonormal).
 */
export function basisPattern(v: number, u: number): Float32Array {
  const pattern = new Float32Array(BLOCK_SIZE * BLOCK_SIZE);
  for (let y = 0; y < BLOCK_SIZE; y++) {
    for (let x = 0; x < BLOCK_SIZE; x++) {
      pattern[y * BLOCK_SIZE + x] = DCT_BASIS[v * BLOCK_SIZE + y] * DCT_BASIS[u * BLOCK_SIZE + x];
    }
  }
  return pattern;
}

/** Full separable forward DCT of one 8x8 block (row-major 64 values): `out[v * 8 + u]`. */
export function forwardDct8x8(block: ArrayLike<number>): Float64Array {
  const rows = new Float64Array(64);
  for (let y = 0; y < BLOCK_SIZE; y++) {
    for (let u = 0; u < BLOCK_SIZE; u++) {
      let sum = 0;
      for (let x = 0; x < BLOCK_SIZE; x++) {
        sum += DCT_BASIS[u * BLOCK_SIZE + x] * block[y * BLOCK_SIZE + x];
      }
      rows[y * BLOCK_SIZE + u] = sum;
    }
  }
  const out = new Float64Array(64);
  for (let v = 0; v < BLOCK_SIZE; v++) {
    for (let u = 0; u < BLOCK_SIZE; u++) {
      let sum = 0;
      for (let y = 0; y < BLOCK_SIZE; y++) sum += DCT_BASIS[v * BLOCK_SIZE + y] * rows[y * 8 + u];
      out[v * BLOCK_SIZE + u] = sum;
    }
  }
  return out;
}

/** One DCT coefficient of a block (64 values, row-major): its dot product with the pattern. */
export function project(pattern: Float32Array, block: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < 64; i++) sum += pattern[i] * block[i];
  return sum;
}
