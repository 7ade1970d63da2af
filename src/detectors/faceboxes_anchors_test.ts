/**
 * FaceBoxes' anchors: a few worked out by hand from the paper's layout (densified copies
 * spread over the anchor's extent), and all of them against the anchors the deployed
 * graph builds for itself, at two canvas sizes.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { loadGraphModel } from "../models/load_graph_model.ts";
import { faceBoxesAnchors, faceBoxesPaddedSize } from "./faceboxes_anchors.ts";

Deno.test("faceboxes: padded size rounds each side up to 128", () => {
  assert.deepEqual(faceBoxesPaddedSize(427, 640), [512, 640]);
  assert.deepEqual(faceBoxesPaddedSize(1, 129), [128, 256]);
});

Deno.test("faceboxes: anchors worked out by hand", () => {
  const anchors = faceBoxesAnchors(256, 256);
  // 8x8 cells of 21, 4x4 of one, 2x2 of one.
  assert.equal(anchors.length / 4, 64 * 21 + 16 + 4);
  const at = (i: number) => Array.from(anchors.subarray(i * 4, i * 4 + 4)).map((v) => v * 256);
  const near = (got: number[], want: number[]) =>
    got.forEach((v, k) => assert.ok(Math.abs(v - want[k]) < 1e-4, `${got} vs ${want}`));
  // Cell (0, 0), size 32, copy (x 0, y 1): centre (y 12, x 4), clipped at the top-left.
  near(at(1), [0, 0, 28, 20]);
  // Cell (0, 0), size 64, copy (x 1, y 0): centre (y 0, x 32).
  near(at(18), [0, 0, 32, 64]);
  // Cell (1, 2), size 128: centre (y 48, x 80).
  near(at((1 * 8 + 2) * 21 + 20), [0, 16, 112, 144]);
  // Stride-64 map, cell (1, 1), size 256: centre (96, 96).
  near(at(64 * 21 + 5), [0, 0, 224, 224]);
});

Deno.test("faceboxes: anchors equal the graph's own", async () => {
  await initBackend("wasm");
  const model = await loadGraphModel("faceboxes");
  try {
    for (const [height, width] of [[427, 640], [100, 300]]) {
      const graph = tf.tidy(() =>
        model.execute({ ToFloat: tf.zeros([1, height, width, 3]) }, "concatenate/clip_by_value")
      ) as tf.Tensor;
      const want = await graph.data();
      graph.dispose();
      const got = faceBoxesAnchors(...faceBoxesPaddedSize(height, width));
      assert.equal(got.length, want.length, `${height}x${width}: anchor count`);
      const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
      assert.ok(worst < 1e-6, `${height}x${width}: anchors differ by up to ${worst}`);
    }
  } finally {
    model.dispose();
  }
});
