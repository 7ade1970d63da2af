/**
 * Direct access to the wasm backend's heap, shared by the kernels that replace slow tfjs
 * 4.22 ones and by the code that moves pixels in and out without JavaScript copies.
 *
 * Views from `view()` are only valid until the next heap allocation (growing the heap
 * detaches them): allocate every output first, then take the views and use them at once.
 */
import * as tf from "@tensorflow/tfjs";

/** A typed array over the wasm heap (float32, int32 or bool tensors). */
export type HeapArray = Float32Array | Int32Array | Uint8Array;

/** The parts of tfjs's BackendWasm used here. */
export interface WasmHeap {
  /** Allocates an uninitialised tensor on the heap. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of a tensor's heap memory. */
  typedArrayFromHeap(info: tf.TensorInfo): HeapArray;
  /** Counts one more reference to a tensor's storage. */
  incRef(dataId: object): void;
}

/** The wasm backend when it is the active one, else undefined. */
export function activeWasmHeap(): WasmHeap | undefined {
  return tf.getBackend() === "wasm" ? tf.backend() as unknown as WasmHeap : undefined;
}

/** A float32 view of a float32 tensor's heap memory (see the note on validity above). */
export function float32View(heap: WasmHeap, tensor: tf.Tensor | tf.TensorInfo): Float32Array {
  return heap.typedArrayFromHeap(tensor as tf.TensorInfo) as Float32Array;
}

/** Wraps storage made by `makeOutput` as a tracked tensor (in the current tidy scope). */
export function tensorFromHeap(info: tf.TensorInfo): tf.Tensor {
  const engine = tf.engine() as unknown as {
    makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
  };
  return engine.makeTensorFromTensorInfo(info);
}

/**
 * A float32 tensor holding a copy of `values` (floats or bytes), written straight into
 * the wasm heap: one copy, no intermediate JavaScript array. Undefined when wasm is not
 * the active backend.
 */
export function heapTensorFrom(
  values: Float32Array | Uint8Array,
  shape: number[],
): tf.Tensor | undefined {
  const heap = activeWasmHeap();
  if (!heap) return undefined;
  const info = heap.makeOutput(shape, "float32");
  float32View(heap, info).set(values);
  return tensorFromHeap(info);
}

const replaced = new Set<string>();

/**
 * Replaces a wasm kernel once per process with `make(original)`, where `original` is
 * tfjs's kernel function (for the cases the replacement leaves to it).
 */
export function replaceWasmKernel(
  kernelName: string,
  make: (original: tf.KernelFunc) => tf.KernelFunc,
): void {
  if (replaced.has(kernelName)) return;
  replaced.add(kernelName);
  const original = tf.getKernel(kernelName, "wasm");
  if (!original) return;
  tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel({
    kernelName,
    backendName: "wasm",
    kernelFunc: make(original.kernelFunc),
    // tfjs binds a C++ kernel in its setup, run when the backend starts: replaced before
    // wasm started (a cpu backend first), the original would be called unbound.
    setupFunc: original.setupFunc,
  });
}
