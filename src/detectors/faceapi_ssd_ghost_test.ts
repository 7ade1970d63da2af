/**
 * The ghost hook of face-api's SSD (hand-written forward, dropout erosion between layers):
 * rate 0 is the exact network, the same seed the same ghost, and at a small rate the eroded
 * network still scores sample1's faces above its threshold.
 */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { FaceApiSsdDetector } from "./faceapi_ssd.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";

Deno.test("faceapi-ssd ghosts: rate 0 exact, seeded, still a face detector at small rates", async () => {
  await initBackend("wasm");
  const detector = await FaceApiSsdDetector.load();
  const image = imageToTensor(await resizeImage(await readSample(1), 512));
  const logits = (dropout: number, seed: number) => {
    detector.setGhost(dropout === -1 ? undefined : { dropout, skip: 0.3, seed });
    return detector.faceLogits(image);
  };
  const exact = await logits(-1, 0).data();
  assert.deepEqual(await logits(0, 1).data(), exact, "rate 0 (skip erosion has no sites here)");
  const ghost = await logits(0.01, 1).data();
  assert.deepEqual(await logits(0.01, 1).data(), ghost);
  assert.notDeepEqual(ghost, exact);
  // Anchors over the threshold (logit 0): sample1's three faces light up several each.
  const over = (values: ArrayLike<number>) => Array.from(values).filter((v) => v > 0).length;
  assert.ok(over(exact) >= 3);
  for (const [seed, values] of [[1, ghost], [2, await logits(0.01, 2).data()]] as const) {
    const n = over(values);
    assert.ok(n >= 3 && n <= 3 * over(exact), `seed ${seed}: ${n} anchors (exact ${over(exact)})`);
  }
  assert.throws(
    () => detector.setGhost({ dropout: 1, skip: 0, seed: 0 }),
    /ghost dropout must be a rate/,
  );
  detector.setGhost(undefined);
  image.dispose();
  detector.dispose();
});
