/** CRC check values from the CRC catalogue ("123456789"). */
import assert from "node:assert/strict";
import { crc16, crc32 } from "./crc.ts";

const CHECK = new TextEncoder().encode("123456789");

Deno.test("crc32 gives the IEEE check value and zlib's value for a sentence", () => {
  assert.equal(crc32(CHECK), 0xcbf43926);
  assert.equal(crc32(new Uint8Array()), 0);
  assert.equal(
    crc32(new TextEncoder().encode("The quick brown fox jumps over the lazy dog")),
    0x414fa339,
  );
});

Deno.test("crc16 gives the CCITT-FALSE check value", () => {
  assert.equal(crc16(CHECK), 0x29b1);
  assert.equal(crc16(new Uint8Array()), 0xffff);
});
