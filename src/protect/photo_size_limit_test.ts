import assert from "node:assert/strict";
import sharp from "sharp";
import { UserError } from "../errors.ts";
import { protectPhotoBytes } from "./filter.ts";
import { MAX_PROTECT_PIXELS } from "./photo_limits.ts";

Deno.test("a photo over what the attack protects in memory is refused in one line before decoding", async () => {
  assert.equal(MAX_PROTECT_PIXELS, 24_000_000);
  // 6020 x 4000 = 24.08 megapixels: just over the limit (and well under decoding's 50).
  const photo = new Uint8Array(
    await sharp({ create: { width: 6020, height: 4000, channels: 3, background: "#777" } })
      .png({ compressionLevel: 9 }).toBuffer(),
  );
  const started = performance.now();
  await assert.rejects(
    protectPhotoBytes(photo, { layers: { perturbation: false }, judges: [] }),
    (error: Error) => {
      assert.ok(error instanceof UserError, String(error));
      assert.equal(
        error.message,
        "image: image is 6020x4000 (24.1 megapixels), over the limit of 24 megapixels",
      );
      return true;
    },
  );
  assert.ok(performance.now() - started < 5_000, "refused from the header, not after decoding");
});
