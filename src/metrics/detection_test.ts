/** Matching, reference faces and rates on hand-made boxes. */
import assert from "node:assert/strict";
import { detectionRate, matchFaces, protectionRate, referenceFaces } from "./detection.ts";
import type { Face } from "../detectors/types.ts";

const face = (x: number, y: number, w: number, score = 0.9): Face => ({ box: [x, y, w, w], score });

Deno.test("a box counts only where it overlaps a reference face by IoU >= 0.5, once each", () => {
  const reference: Face["box"][] = [[0, 0, 100, 100], [300, 0, 100, 100]];
  // Exact, shifted by 20 px (IoU 0.67), a background false positive, a duplicate.
  const found = [face(0, 0, 100), face(320, 0, 100, 0.8), face(700, 700, 50), face(5, 5, 100, 0.5)];
  assert.deepEqual([...matchFaces(reference, found)].sort(), [0, 1]);
  // Shifted by 40 px: IoU 0.43, not a match.
  assert.equal(matchFaces(reference, [face(40, 0, 100)]).size, 0);
});

Deno.test("greedy by score: the best box takes the reference it overlaps most", () => {
  const reference: Face["box"][] = [[0, 0, 100, 100], [60, 0, 100, 100]];
  const matched = matchFaces(reference, [face(55, 0, 100, 0.99), face(0, 0, 100, 0.5)]);
  assert.equal(matched.size, 2);
});

Deno.test("reference faces are those at least half of the detectors agree on", () => {
  const refs = referenceFaces([
    [face(0, 0, 100), face(500, 500, 80)],
    [face(4, 4, 100)],
    [face(2, 0, 96), face(900, 0, 50)],
  ]);
  assert.equal(refs.length, 1);
  assert.ok(Math.abs(refs[0][0] - 2) < 1e-9);
});

Deno.test("detection and protection rates", () => {
  assert.equal(detectionRate(4, 1), 0.25);
  assert.equal(protectionRate(4, 1), 0.75);
  assert.equal(detectionRate(0, 0), undefined);
});
