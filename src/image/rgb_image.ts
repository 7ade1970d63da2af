/**
 * The in-memory image type shared by every part of EqualAIs: 8-bit RGB, row-major,
 * interleaved, with EXIF orientation already applied.
 */
import * as tf from "@tensorflow/tfjs";
import { wasmBytesFromTensor } from "./wasm_pixels.ts";
import { heapTensorFrom } from "../kernels/wasm_heap.ts";

/** An 8-bit RGB image: `data[(y * width + x) * 3 + c]`. */
export interface RgbImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Interleaved RGB bytes, length width * height * 3. */
  data: Uint8Array;
}

/**
 * Converts an image to a float32 tensor [1, height, width, 3] with values 0..255.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { imageToTensor } from "./rgb_image.ts";
 * await initBackend("wasm");
 * const image = { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 0, 0, 255]) };
 * const tensor = imageToTensor(image);
 * assert.deepEqual(tensor.shape, [1, 1, 2, 3]);
 * assert.deepEqual([...await tensor.data()], [255, 0, 0, 0, 0, 255]);
 * tensor.dispose();
 * ```
 */
export function imageToTensor(image: RgbImage): tf.Tensor4D {
  const shape = [1, image.height, image.width, 3];
  // Straight into the wasm heap (a fresh full-size Int32Array costs page faults).
  const direct = heapTensorFrom(image.data, shape);
  if (direct) return direct as tf.Tensor4D;
  return tf.tidy(() =>
    tf.tensor4d(image.data, shape as [number, number, number, number], "int32")
      .toFloat() as tf.Tensor4D
  );
}

/**
 * Converts a [1, H, W, 3] or [H, W, 3] tensor of 0..255 floats to an image, rounding to 8
 * bits; into `target`'s memory when it has the right size (see wasmBytesFromTensor).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { initBackend } from "../backend.ts";
 * import { tensorToImage } from "./rgb_image.ts";
 * await initBackend("wasm");
 * const tensor = tf.tensor4d([300, -5, 1.6], [1, 1, 1, 3]); // clipped and rounded
 * const image = await tensorToImage(tensor);
 * assert.deepEqual(image, { width: 1, height: 1, data: new Uint8Array([255, 0, 2]) });
 * tensor.dispose();
 * ```
 */
export async function tensorToImage(tensor: tf.Tensor, target?: Uint8Array): Promise<RgbImage> {
  const shape = tensor.shape.length === 4 ? tensor.shape.slice(1) : tensor.shape;
  if (shape.length !== 3 || shape[2] !== 3) {
    throw new RangeError(`tensorToImage: expected shape [1, H, W, 3], got [${tensor.shape}]`);
  }
  const direct = wasmBytesFromTensor(tensor, target);
  if (direct) return { width: shape[1], height: shape[0], data: direct };
  const rounded = tf.tidy(() => tensor.clipByValue(0, 255).round());
  const data = new Uint8Array(await rounded.data());
  rounded.dispose();
  return { width: shape[1], height: shape[0], data };
}
