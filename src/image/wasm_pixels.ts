/**
 * Moving 8-bit pixels out of the wasm backend's heap directly (in: heapTensorFrom).
 *
 * The generic path allocates full-size JavaScript arrays on the way (an Int32Array for
 * tf.tensor, a copy of the heap for data()), and fresh allocations of tens of megabytes
 * are slow here (page faults: about 100 ms for a 1920x1280 photo on the build machine).
 * Robust attacks convert the photo both ways every step, so this writes and reads the
 * tensor's own heap memory, converting with TypedArray.set.
 */
import type * as tf from "@tensorflow/tfjs";
import { activeWasmHeap, float32View } from "../kernels/wasm_heap.ts";

/**
 * A float32 tensor's values clipped to 0..255 and rounded (halves to even, as tf.round),
 * as bytes: Uint8ClampedArray's conversion does exactly that, straight from the heap.
 * Writes into `target` when it has the tensor's size (a caller converting every step
 * reuses one array), else into a new array.
 */
export function wasmBytesFromTensor(
  tensor: tf.Tensor,
  target?: Uint8Array,
): Uint8Array | undefined {
  const heap = activeWasmHeap();
  if (!heap || tensor.dtype !== "float32") return undefined;
  const bytes = target?.length === tensor.size
    ? new Uint8ClampedArray(target.buffer, target.byteOffset, target.length)
    : new Uint8ClampedArray(tensor.size);
  bytes.set(float32View(heap, tensor));
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
