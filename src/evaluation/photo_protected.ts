/**
 * Per-photo success, the headline of every protection result: a person protects one
 * photo at a time, so a photo counts as protected against a detector only when that
 * detector finds no face on the written file and none on its JPEG q75 re-encode, and as
 * fully protected only when that holds for every detector it was protected against.
 */

/** Faces one detector finds on a written file and on its JPEG q75 copy. */
export interface WrittenFaces {
  /** On the written file. */
  output: number;
  /** On the written file re-encoded as JPEG quality 75. */
  after_jpeg75: number;
}

/**
 * Whether `faces` shows no face on the file or its q75 copy for every id in `detectors`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fullyProtected } from "./photo_protected.ts";
 * const faces = {
 *   "blazeface-front": { output: 0, after_jpeg75: 0 },
 *   "blazeface-back": { output: 0, after_jpeg75: 1 },
 * };
 * assert.equal(fullyProtected(faces, ["blazeface-front"]), true);
 * assert.equal(fullyProtected(faces, ["blazeface-front", "blazeface-back"]), false);
 * ```
 */
export function fullyProtected(
  faces: Readonly<Record<string, WrittenFaces>>,
  detectors: readonly string[],
): boolean {
  if (detectors.length === 0) return false;
  return detectors.every((id) => {
    const counts = faces[id];
    if (!counts) throw new RangeError(`no face counts for detector "${id}"`);
    return counts.output === 0 && counts.after_jpeg75 === 0;
  });
}

/**
 * Share of photos fully protected, 0..1 (NaN for no photos).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { protectedShare } from "./photo_protected.ts";
 * const photos = [true, false, true].map((fully_protected) => ({ fully_protected }));
 * assert.equal(protectedShare(photos), 2 / 3);
 * assert.ok(Number.isNaN(protectedShare([])));
 * ```
 */
export function protectedShare(photos: readonly { fully_protected: boolean }[]): number {
  return photos.filter((p) => p.fully_protected).length / photos.length;
}
