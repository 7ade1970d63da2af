/** Transient encodings skip only lossless work: the same pixels come back. */
import assert from "node:assert/strict";
import { decodeImage } from "./decode.ts";
import { encodeImage } from "./encode.ts";
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
