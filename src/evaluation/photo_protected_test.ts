/** Per-photo success: every listed detector finds nothing on the file nor its q75 copy. */
import assert from "node:assert/strict";
import { fullyProtected, protectedShare } from "./photo_protected.ts";

Deno.test("a photo is fully protected only when every detector finds no face on both", () => {
  const faces = {
    a: { output: 0, after_jpeg75: 0 },
    b: { output: 0, after_jpeg75: 1 },
    c: { output: 1, after_jpeg75: 0 },
  };
  assert.equal(fullyProtected(faces, ["a"]), true);
  assert.equal(fullyProtected(faces, ["a", "b"]), false);
  assert.equal(fullyProtected(faces, ["c"]), false);
  assert.equal(fullyProtected(faces, []), false);
  assert.throws(() => fullyProtected(faces, ["d"]), /no face counts for detector "d"/);
});

Deno.test("the share counts photos, not faces", () => {
  assert.equal(
    protectedShare([{ fully_protected: true }, { fully_protected: false }, {
      fully_protected: true,
    }, { fully_protected: false }]),
    0.5,
  );
});
