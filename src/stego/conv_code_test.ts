/** The convolutional code: round trips, error correction, and a known encoder output. */
import assert from "node:assert/strict";
import { seededRandom } from "../random.ts";
import { codedLength, convEncode, viterbiDecode } from "./conv_code.ts";

function randomBits(count: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length: count }, () => (random.next() < 0.5 ? 1 : 0));
}

function toSoft(coded: Uint8Array): Float64Array {
  return Float64Array.from(coded, (bit) => (bit ? -1 : 1));
}

Deno.test("a single 1 bit produces the three generator polynomials as its impulse response", () => {
  const coded = convEncode(Uint8Array.of(1));
  assert.equal(coded.length, codedLength(1));
  assert.equal(coded.length, 21);
  // Output j at time t is bit (6 - t) of generator j: 133, 171, 165 octal.
  const generators = [0o133, 0o171, 0o165];
  for (let t = 0; t < 7; t++) {
    for (let j = 0; j < 3; j++) assert.equal(coded[t * 3 + j], (generators[j] >> (6 - t)) & 1);
  }
});

Deno.test("viterbiDecode inverts convEncode on clean input", () => {
  for (const count of [1, 36, 720]) {
    const bits = randomBits(count, count);
    assert.deepEqual(viterbiDecode(toSoft(convEncode(bits)), count), bits);
  }
});

Deno.test("viterbiDecode corrects scattered hard errors and soft noise", () => {
  const bits = randomBits(400, 7);
  const soft = toSoft(convEncode(bits));
  const random = seededRandom(11);
  // One coded bit in 12 flipped, spread out: well inside the code's free distance per window.
  for (let i = 5; i < soft.length; i += 12) soft[i] = -soft[i];
  assert.deepEqual(viterbiDecode(soft, bits.length), bits);
  // Gaussian-like noise with standard deviation 0.8 on every soft value.
  const noisy = toSoft(convEncode(bits)).map((value) => {
    const noise = (random.next() + random.next() + random.next() - 1.5) * 1.6;
    return value + noise;
  });
  assert.deepEqual(viterbiDecode(noisy, bits.length), bits);
});

Deno.test("viterbiDecode rejects a soft vector of the wrong length", () => {
  assert.throws(() => viterbiDecode(new Float64Array(20), 1), RangeError);
});
