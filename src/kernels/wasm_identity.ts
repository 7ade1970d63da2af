/**
 * Identity on wasm without a copy. tfjs 4.22's wasm Identity copies the tensor, and
 * gradients save every input (weights and activations) through it, so each attack step
 * copied the whole model and its activations (about 350 copies per BlazeFace step). The
 * cpu and webgpu backends share the storage and count references instead; the wasm
 * backend counts references too (its Reshape shares storage the same way), so this
 * does the same there.
 */
import type * as tf from "@tensorflow/tfjs";
import { replaceWasmKernel, type WasmHeap } from "./wasm_heap.ts";

/** Replaces the wasm Identity kernel with one that shares storage; safe to call again. */
export function registerSharingWasmIdentity(): void {
  replaceWasmKernel("Identity", (original) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === "string") return original(args);
    (args.backend as unknown as WasmHeap).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}
