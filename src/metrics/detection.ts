/**
 * Detection metrics as defined for this project (shared DESIGN notes):
 *
 * - reference faces of an image: its annotated boxes where a dataset has them, otherwise
 *   the faces the white-box detectors agree on in the clean image;
 * - a detector's box counts as a face only where it matches a reference face
 *   (IoU >= 0.5, greedy by score), so a judge's false positives on the background never
 *   count;
 * - detection rate: reference faces found on the protected image (after the channel)
 *   divided by those found on the clean image; protection rate = 1 - detection rate.
 */
import { iou } from "../detectors/nms.ts";
import type { Face } from "../detectors/types.ts";

/** IoU at or above which a box matches a reference face. */
export const MATCH_IOU = 0.5;

/**
 * Greedy matching by score: each box, best score first, takes the unmatched reference
 * face it overlaps most, if that IoU is at least `threshold`. Returns the indices of
 * the matched reference faces.
 */
export function matchFaces(
  reference: Face["box"][],
  found: Face[],
  threshold = MATCH_IOU,
): Set<number> {
  const matched = new Set<number>();
  for (const face of [...found].sort((a, b) => b.score - a.score)) {
    let best = -1;
    let bestIou = threshold;
    reference.forEach((ref, i) => {
      if (matched.has(i)) return;
      const overlap = iou(ref, face.box);
      if (overlap >= bestIou) {
        bestIou = overlap;
        best = i;
      }
    });
    if (best >= 0) matched.add(best);
  }
  return matched;
}

/**
 * Reference faces from the clean image's white-box detections: boxes are grouped
 * across detectors (IoU >= `groupIou`), and a group found by at least half of the
 * detectors (rounded up) becomes a reference face, its box the mean of the group's.
 */
export function referenceFaces(
  detections: Face[][],
  groupIou = 0.4,
): Face["box"][] {
  const groups: { boxes: Face["box"][]; sources: Set<number> }[] = [];
  detections.forEach((faces, source) => {
    for (const face of faces) {
      let best: (typeof groups)[number] | undefined;
      let bestIou = groupIou;
      for (const group of groups) {
        if (group.sources.has(source)) continue;
        const overlap = iou(meanBox(group.boxes), face.box);
        if (overlap >= bestIou) {
          bestIou = overlap;
          best = group;
        }
      }
      if (best) {
        best.boxes.push(face.box);
        best.sources.add(source);
      } else {
        groups.push({ boxes: [face.box], sources: new Set([source]) });
      }
    }
  });
  const quorum = Math.ceil(detections.length / 2);
  return groups.filter((g) => g.sources.size >= quorum).map((g) => meanBox(g.boxes));
}

function meanBox(boxes: Face["box"][]): Face["box"] {
  const sum = [0, 0, 0, 0];
  for (const b of boxes) for (let i = 0; i < 4; i++) sum[i] += b[i];
  return sum.map((v) => v / boxes.length) as Face["box"];
}

/** Detection rate: matched on protected / matched on clean; undefined when clean found none. */
export function detectionRate(cleanMatched: number, protectedMatched: number): number | undefined {
  if (cleanMatched === 0) return undefined;
  return protectedMatched / cleanMatched;
}

/** Protection rate = 1 - detection rate. */
export function protectionRate(cleanMatched: number, protectedMatched: number): number | undefined {
  const rate = detectionRate(cleanMatched, protectedMatched);
  return rate === undefined ? undefined : 1 - rate;
}
