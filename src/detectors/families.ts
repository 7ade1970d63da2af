/**
 * Which network design each detector id belongs to, without loading a model: charts and
 * study configs group detectors by family (a held-out family is never attacked, not even
 * through a sibling with other weights). Each detector's own `family` field must agree
 * (families_test.ts loads them all).
 */

/** Detector id -> family (the `family` field of the loaded detector). */
export const DETECTOR_FAMILY: Readonly<Record<string, string>> = {
  "blazeface-back": "blazeface",
  "blazeface-front": "blazeface",
  "mediapipe-full": "blazeface",
  "human": "blazeface",
  "faceapi-ssd": "ssd-mobilenet",
  "faceapi-tiny": "tiny-yolo",
  "faceboxes": "faceboxes",
  "haar": "viola-jones",
  "haar-smooth": "viola-jones",
};

/** The neural families, in the order studies list them. */
export const NEURAL_FAMILIES: readonly string[] = [
  "blazeface",
  "ssd-mobilenet",
  "tiny-yolo",
  "faceboxes",
];

/** The family of a detector id; throws on an id this table does not know. */
export function familyOf(id: string): string {
  const family = DETECTOR_FAMILY[id];
  if (!family) {
    throw new Error(`no family recorded for detector "${id}" (src/detectors/families.ts)`);
  }
  return family;
}

/**
 * Leave-one-family-out: for each neural family, the attacked detectors of every other
 * family among `attackable` (white-box ids); the held-out family is only judged.
 */
export function leaveOneFamilyOut(
  attackable: readonly string[],
): { heldOut: string; attacked: string[] }[] {
  return NEURAL_FAMILIES.map((heldOut) => ({
    heldOut,
    attacked: attackable.filter((id) => familyOf(id) !== heldOut),
  }));
}
