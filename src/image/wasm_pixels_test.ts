/** Pixels written to and read from the wasm heap directly match the generic path (cpu). */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { imageToTensor, type RgbImage, tensorToImage } from "./rgb_image.ts";

Deno.test("imageToTensor and tensorToImage agree between wasm's heap path and cpu", async () => {
  const image: RgbImage = {
    width: 7,
    height: 5,
    data: Uint8Array.from({ length: 7 * 5 * 3 }, (_, i) => (i * 37) % 256),
  };
  const floats = Array.from({ length: 7 * 5 * 3 }, (_, i) => (i * 13.37) % 300 - 20);
  const seen: Record<string, unknown> = {};
  for (const backend of ["cpu", "wasm"]) {
    await initBackend(backend);
    const before = tf.memory();
    const t = imageToTensor(image);
    assert.equal(t.dtype, "float32");
    assert.deepEqual(t.shape, [1, 5, 7, 3]);
    const values = Array.from(await t.data());
    const back = await tensorToImage(t);
    const source = tf.tensor4d(floats, [1, 5, 7, 3]);
    const rounded = await tensorToImage(source);
    tf.dispose([t, source]);
    assert.equal(tf.memory().numTensors, before.numTensors, `${backend}: tensors leaked`);
    assert.equal(tf.memory().numBytes, before.numBytes, `${backend}: bytes leaked`);
    seen[backend] = { values, back: Array.from(back.data), rounded: Array.from(rounded.data) };
  }
  assert.deepEqual(seen.wasm, seen.cpu);
  const { values, back, rounded } = seen.wasm as Record<string, number[]>;
  assert.deepEqual(values, Array.from(image.data));
  assert.deepEqual(back, Array.from(image.data));
  // Clipped to 0..255 and rounded to the nearest level, halves to even (tf.round).
  const halfToEven = (v: number) => {
    const r = Math.round(v);
    return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  };
  assert.deepEqual(rounded, floats.map((v) => Math.min(255, Math.max(0, halfToEven(v)))));
});
