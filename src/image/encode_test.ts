/** Transient encodings skip only lossless work: the same pixels come back. */
import assert from "node:assert/strict";
import { decodeImage } from "./decode.ts";
import { asWritten, encodeAsWritten, encodeImage, outputChroma } from "./encode.ts";
import { UserError } from "../errors.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";

Deno.test("transient JPEG and PNG encodings decode to the same pixels as the kept ones", async () => {
  const image = await resizeImage(await readSample(3), 400);
  for (const format of ["jpeg", "png"] as const) {
    const kept = await encodeImage(image, format, { quality: 75 });
    const transient = await encodeImage(image, format, { quality: 75, transient: true });
    // Different bytes (no optimised Huffman tables, lighter deflate), same pixels.
    assert.ok(transient.length > kept.length, `${format}: ${transient.length} <= ${kept.length}`);
    const [a, b] = [await decodeImage(kept), await decodeImage(transient)];
    assert.deepEqual(b.data, a.data, format);
  }
});

/** Horizontal and vertical sampling factors of each component, read from the JPEG's SOF marker. */
function samplingFactors(bytes: Uint8Array): [number, number][] {
  for (let i = 2; i + 4 < bytes.length;) {
    const marker = bytes[i + 1];
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    // SOF0..SOF2: baseline, extended, progressive.
    if (marker >= 0xc0 && marker <= 0xc2) {
      const count = bytes[i + 9];
      return Array.from({ length: count }, (_, c) => {
        const factors = bytes[i + 11 + 3 * c];
        return [factors >> 4, factors & 15];
      });
    }
    i += 2 + length;
  }
  throw new Error("no SOF marker");
}

Deno.test("JPEG chroma: 4:2:0 by default, 4:4:4 on request and for our own output at q90 and above", async () => {
  const image = await resizeImage(await readSample(3), 240);
  const halved = samplingFactors(await encodeImage(image, "jpeg", { quality: 95 }));
  assert.deepEqual(halved, [[2, 2], [1, 1], [1, 1]]);
  const whole = samplingFactors(await encodeImage(image, "jpeg", { quality: 95, chroma: "4:4:4" }));
  assert.deepEqual(whole, [[1, 1], [1, 1], [1, 1]]);
  assert.equal(outputChroma(95), "4:4:4");
  assert.equal(outputChroma(90), "4:4:4");
  assert.equal(outputChroma(89), "4:2:0");
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    () => encodeImage(image, "jpeg", { chroma: "4:1:1" as any }),
    (error: Error) =>
      error instanceof UserError && /chroma must be "4:2:0" or "4:4:4"/.test(error.message),
  );
});

Deno.test("as written: the chroma of our output, and the pixels the kept file decodes to", async () => {
  const image = await resizeImage(await readSample(3), 240);
  // Read from the bytes' own SOF marker: 4:4:4 at q90 and above, 4:2:0 below.
  assert.deepEqual(samplingFactors(await encodeAsWritten(image, "jpeg", 97)), [
    [1, 1],
    [1, 1],
    [1, 1],
  ]);
  assert.deepEqual(samplingFactors(await encodeAsWritten(image, "jpeg", 80)), [
    [2, 2],
    [1, 1],
    [1, 1],
  ]);
  for (
    const [format, quality] of [["jpeg", 97], ["jpeg", 80], ["webp", 90], ["png", 97]] as const
  ) {
    // The file a user gets (optimised, kept) against the quick check's pixels.
    const kept = await decodeImage(await encodeAsWritten(image, format, quality));
    const checked = await asWritten(image, format, quality);
    assert.deepEqual(checked.data, kept.data, `${format} q${quality}`);
  }
  // PNG: the very pixels, nothing encoded.
  assert.equal(await asWritten(image, "png", 97), image);
});
