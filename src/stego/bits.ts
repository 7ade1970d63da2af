/** Bit strings as `Uint8Array`s of 0/1, most significant bit first. */

/** Appends the low `count` bits of `value` to `out` at `offset`; returns the next offset. */
export function writeBits(out: Uint8Array, offset: number, value: number, count: number): number {
  for (let i = count - 1; i >= 0; i--) out[offset++] = (value >>> i) & 1;
  return offset;
}

/** Reads `count` bits (at most 32) from `bits` at `offset` as an unsigned number. */
export function readBits(bits: Uint8Array, offset: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) value = value * 2 + bits[offset + i];
  return value;
}

/** Bytes to bits, most significant bit first. */
export function bytesToBits(bytes: Uint8Array): Uint8Array {
  const bits = new Uint8Array(bytes.length * 8);
  for (let i = 0; i < bytes.length; i++) writeBits(bits, i * 8, bytes[i], 8);
  return bits;
}

/** Bits (a multiple of 8) to bytes. */
export function bitsToBytes(bits: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(bits.length >> 3);
  for (let i = 0; i < bytes.length; i++) bytes[i] = readBits(bits, i * 8, 8);
  return bytes;
}
