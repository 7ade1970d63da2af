/** Frame packing: header, body and code round trips, and any corruption is refused. */
import assert from "node:assert/strict";
import { bitsToBytes } from "./bits.ts";
import {
  bodyCodedBits,
  CODE_BITS,
  CODE_CODED_BITS,
  FRAME_VERSION,
  HEADER_BITS,
  HEADER_CODED_BITS,
  MAX_MESSAGE_BYTES,
  packBody,
  packCode,
  packHeader,
  unpackBody,
  unpackCode,
  unpackHeader,
} from "./frame.ts";

Deno.test("headers round trip and a flipped bit anywhere is refused", () => {
  const header = { version: FRAME_VERSION, step: 12, repetitions: 24, length: 86 };
  const bits = packHeader(header);
  assert.equal(bits.length, HEADER_BITS);
  assert.equal(HEADER_CODED_BITS, (HEADER_BITS + 6) * 3);
  assert.deepEqual(unpackHeader(bits), header);
  for (let i = 0; i < bits.length; i++) {
    const bad = bits.slice();
    bad[i] ^= 1;
    assert.equal(unpackHeader(bad), null, `bit ${i}`);
  }
});

Deno.test("headers with a valid CRC but impossible fields are refused", () => {
  assert.equal(unpackHeader(packHeader({ version: 2, step: 12, repetitions: 0, length: 5 })), null);
  assert.equal(unpackHeader(packHeader({ version: 1, step: 0, repetitions: 0, length: 5 })), null);
  assert.equal(unpackHeader(packHeader({ version: 1, step: 12, repetitions: 0, length: 0 })), null);
  assert.equal(
    unpackHeader(
      packHeader({ version: 1, step: 12, repetitions: 0, length: MAX_MESSAGE_BYTES + 1 }),
    ),
    null,
  );
});

Deno.test("bodies round trip and a flipped bit is refused", () => {
  const bytes = new TextEncoder().encode("Ünïcödé ✓ message");
  const bits = packBody(bytes);
  assert.equal(bits.length, bytes.length * 8 + 32);
  assert.equal(bodyCodedBits(bytes.length), (bits.length + 6) * 3);
  assert.deepEqual(unpackBody(bits), bytes);
  for (const i of [0, 9, bits.length - 1]) {
    const bad = bits.slice();
    bad[i] ^= 1;
    assert.equal(unpackBody(bad), null);
  }
});

Deno.test("the do-not-process code frame round trips and a flipped bit anywhere is refused", () => {
  assert.equal(CODE_BITS, 48);
  assert.equal(CODE_CODED_BITS, 162);
  for (const version of [1, 2, 255]) {
    const bits = packCode(version);
    assert.equal(bits.length, CODE_BITS);
    assert.equal(unpackCode(bits), version);
    for (let i = 0; i < bits.length; i++) {
      const bad = bits.slice();
      bad[i] ^= 1;
      assert.equal(unpackCode(bad), null, `version ${version} bit ${i}`);
    }
  }
  // "DNP", version 1, then CRC-16/CCITT-FALSE of those four bytes.
  assert.deepEqual([...bitsToBytes(packCode(1))].slice(0, 4), [0x44, 0x4e, 0x50, 1]);
  assert.equal(unpackCode(new Uint8Array(CODE_BITS)), null);
  assert.throws(() => packCode(0), RangeError);
  assert.throws(() => packCode(256), RangeError);
});
