/**
 * Moving 8-bit pixels in and out of the wasm backend's heap directly.
 *
 * The generic path allocates full-size JavaScript arrays on the way (an Int32Array for
 * tf.tensor, a copy of the heap for data()), and fresh allocations of tens of megabytes
 * are slow here (page faults: about 100 ms for a 1920x1280 photo on the build machine).
 * Robust attacks convert the photo both ways every step, so this writes and reads the
 * tensor's own heap memory, converting with TypedArray.set.
 */
import * as tf from "@tensorflow/tfjs";

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

interface TensorMaker {
  makeTensorFromTensorInfo(info: tf.TensorInfo, backend?: tf.KernelBackend): tf.Tensor;
}

function wasmBackend(): WasmHeapBackend | undefined {
  return tf.getBackend() === "wasm" ? tf.backend() as unknown as WasmHeapBackend : undefined;
}

/** A float32 tensor of `shape` holding `bytes`, written straight into the wasm heap. */
export function wasmTensorFromBytes(bytes: Uint8Array, shape: number[]): tf.Tensor | undefined {
  const backend = wasmBackend();
  if (!backend) return undefined;
  const info = backend.makeOutput(shape, "float32");
  (backend.typedArrayFromHeap(info) as Float32Array).set(bytes);
  return (tf.engine() as unknown as TensorMaker).makeTensorFromTensorInfo(info);
}

/**
 * A float32 tensor's values clipped to 0..255 and rounded (halves to even, as tf.round),
 * as bytes: Uint8ClampedArray's conversion does exactly that, straight from the heap.
 */
export function wasmBytesFromTensor(tensor: tf.Tensor): Uint8Array | undefined {
  const backend = wasmBackend();
  if (!backend || tensor.dtype !== "float32") return undefined;
  const bytes = new Uint8ClampedArray(tensor.size);
  // The heap view is taken after the allocation and used at once, so it cannot detach.
  bytes.set(backend.typedArrayFromHeap(tensor as unknown as tf.TensorInfo));
  return new Uint8Array(bytes.buffer);
}
