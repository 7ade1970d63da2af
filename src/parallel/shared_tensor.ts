/**
 * Moving tensors to and from shared memory with one copy: on wasm straight between the
 * heap and the shared array, so no new JavaScript array is made per request (new large
 * typed arrays cost page faults and garbage collection on every step).
 */
import * as tf from "@tensorflow/tfjs";
import { activeWasmHeap, float32View, heapTensorFrom } from "../kernels/wasm_heap.ts";

/** A float32 tensor holding a copy of `values`. */
export function tensorFromShared(values: Float32Array, shape: number[]): tf.Tensor {
  return heapTensorFrom(values, shape) ?? tf.tensor(values.slice(), shape, "float32");
}

/** Copies a float32 tensor's values into `target`. */
export function copyToShared(tensor: tf.Tensor, target: Float32Array): void {
  const heap = activeWasmHeap();
  target.set(heap ? float32View(heap, tensor) : tensor.dataSync() as Float32Array);
}
