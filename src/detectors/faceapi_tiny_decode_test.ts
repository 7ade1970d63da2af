/**
 * Tiny-YOLO box decoding on hand-made outputs: cell offsets, anchor scaling, the
 * correction for non-square images, and the strict score threshold.
 */
import assert from "node:assert/strict";
import { decodeTinyBoxes } from "./faceapi_tiny_decode.ts";

const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) < 1e-9);

Deno.test("decodes a cell's offsets and its anchor's size into image pixels", () => {
  // 2x2 cells, 2 anchors; only cell (row 1, col 0), anchor 1 scores.
  const raw = new Array(2 * 2 * 2 * 5).fill(-10);
  const at = ((1 * 2 + 0) * 2 + 1) * 5;
  // sigmoid(0) = 0.5: centre half-way across the cell; exp(ln 2) doubles the anchor.
  raw.splice(at, 5, 0, 0, Math.log(2), 0, 3);
  const faces = decodeTinyBoxes(raw, {
    anchors: [[1, 1], [0.5, 0.25]],
    inputSize: 64,
    imageWidth: 200,
    imageHeight: 200,
    scoreThreshold: 0.4,
  });
  assert.equal(faces.length, 1);
  // Centre (0.25, 0.75) of the image, width 2 * 0.5 / 2 cells = 0.5, height 0.25 / 2.
  assert.ok(close(faces[0].box, [0.25 * 200 - 50, 0.75 * 200 - 12.5, 100, 25]), `${faces[0].box}`);
  assert.ok(Math.abs(faces[0].score - 1 / (1 + Math.exp(-3))) < 1e-12);
});

Deno.test("a wide image's boxes stretch over its padded square, and the threshold is strict", () => {
  // One cell, one anchor covering it; a 300x150 image is padded to 300x300.
  const faces = decodeTinyBoxes([0, 0, 0, 0, 0], {
    anchors: [[1, 1]],
    inputSize: 32,
    imageWidth: 300,
    imageHeight: 150,
    scoreThreshold: 0.49,
  });
  // The box is the whole square: x 0..300, y 0..300 of a 150-high image.
  assert.ok(close(faces[0].box, [0, 0, 300, 300]), `${faces[0].box}`);
  const none = decodeTinyBoxes([0, 0, 0, 0, 0], {
    anchors: [[1, 1]],
    inputSize: 32,
    imageWidth: 300,
    imageHeight: 150,
    scoreThreshold: 0.5,
  });
  assert.equal(none.length, 0, "score 0.5 is not above 0.5");
});

Deno.test("an output that is not a square grid is a clear error", () => {
  assert.throws(
    () =>
      decodeTinyBoxes(new Array(15).fill(0), {
        anchors: [[1, 1]],
        inputSize: 32,
        imageWidth: 10,
        imageHeight: 10,
        scoreThreshold: 0.5,
      }),
    /not a square grid/,
  );
});
