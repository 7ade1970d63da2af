/**
 * Every registered detector finds the faces in the six sample photos. Expected counts
 * were measured on the wasm backend (README of models/ lists them); each image may be
 * off by one and the total by two, so a tfjs or libvips update that shifts a borderline
 * face does not fail the suite, while a broken decoder or preprocessing does.
 */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { DETECTOR_IDS, loadDetector } from "./registry.ts";
import { readSample } from "../testing/fixtures.ts";

/** Faces per sample (1-6), measured with `deno task detect data/samples/*.jpg`. */
export const EXPECTED_FACES: Record<string, number[]> = {
  "blazeface-back": [3, 4, 3, 4, 5, 4],
  "blazeface-front": [3, 2, 3, 4, 4, 4],
  "mediapipe-full": [3, 4, 3, 4, 6, 4],
  "human": [3, 3, 3, 4, 5, 4],
  "faceboxes": [3, 3, 3, 4, 6, 4],
  "faceapi-ssd": [3, 3, 3, 4, 5, 4],
  "faceapi-tiny": [3, 2, 3, 4, 5, 4],
  // Haar counts include background false positives (sample6); matching against
  // reference faces is in haar_cascade_test.ts and src/metrics/.
  "haar": [2, 3, 3, 2, 5, 11],
};

Deno.test("every detector has expected counts", () => {
  assert.deepEqual(Object.keys(EXPECTED_FACES).sort(), [...DETECTOR_IDS].sort());
});

for (const id of DETECTOR_IDS) {
  Deno.test(`${id} finds the faces in the six samples`, async () => {
    await initBackend("wasm");
    const detector = await loadDetector(id);
    const counts: number[] = [];
    for (let i = 1; i <= 6; i++) {
      const image = await readSample(i);
      const faces = await detector.detect(image);
      for (const face of faces) {
        const [x, y, w, h] = face.box;
        assert.ok(w > 20 && h > 20, `${id}: sample${i}: implausibly small box ${face.box}`);
        assert.ok(
          x + w > 0 && y + h > 0 && x < image.width && y < image.height,
          `${id}: box off image`,
        );
        assert.ok(
          face.score >= detector.threshold && face.score <= 1,
          `${id}: score ${face.score}`,
        );
      }
      counts.push(faces.length);
    }
    const expected = EXPECTED_FACES[id];
    counts.forEach((n, i) =>
      assert.ok(
        Math.abs(n - expected[i]) <= 1,
        `${id}: sample${i + 1}: ${n} faces, expected ${expected[i]}`,
      )
    );
    const total = counts.reduce((a, b) => a + b, 0);
    const expectedTotal = expected.reduce((a, b) => a + b, 0);
    assert.ok(
      Math.abs(total - expectedTotal) <= 2,
      `${id}: ${total} faces in all, expected ${expectedTotal}`,
    );
  });
}
