/**
 * SplitV on wasm without copying the whole input per part. tfjs 4.22's wasm SplitV calls
 * its internal slice directly (not the registered Slice kernel that wasm_slice.ts
 * replaces), which reads the entire input out of the heap for every part and copies each
 * pixel's channels with subarray().set(). Concat's gradient splits that way: FaceBoxes'
 * CReLU gradient at 256x256x48 took 160 ms of a 710 ms step at 1024x1024. This copies
 * each part's window straight from the heap with wasm_slice.ts's run copier.
 */
import * as tf from "@tensorflow/tfjs";
import { replaceWasmKernel, type WasmHeap } from "./wasm_heap.ts";
import { copyWindow } from "./wasm_slice.ts";

/** Replaces the wasm SplitV kernel with one that copies in place; safe to call again. */
export function registerInPlaceWasmSplit(): void {
  replaceWasmKernel("SplitV", (original) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === "string" || x.shape.length === 0) return original(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as {
      numOrSizeSplits: number | number[];
      axis: number;
    };
    const along = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, along);
    const heap = args.backend as unknown as WasmHeap;
    // Every output first: an allocation may grow (and detach) the heap under earlier views.
    const outputs = sizes.map((s) => {
      const extent = [...x.shape];
      extent[along] = s;
      return heap.makeOutput(extent, x.dtype);
    });
    const source = heap.typedArrayFromHeap(x);
    const start = new Array<number>(x.shape.length).fill(0);
    outputs.forEach((out, i) => {
      copyWindow(source, x.shape, start, out.shape, heap.typedArrayFromHeap(out));
      start[along] += sizes[i];
    });
    return outputs;
  });
}
