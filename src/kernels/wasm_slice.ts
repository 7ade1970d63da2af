/**
 * Slice on wasm without copying the whole input first. tfjs 4.22's wasm Slice reads the
 * entire input out of the heap (readSync copies it) and then copies the window one
 * innermost run at a time with subarray().set(): for a window of a 4-D image tensor that
 * is one call per pixel. Cropping a padded 194x194x3 input (MediaPipe's stem gradient)
 * took 35 ms. This reads the heap in place and copies short runs with a plain loop.
 */
import * as tf from "@tensorflow/tfjs";
import { type HeapArray, replaceWasmKernel, type WasmHeap } from "./wasm_heap.ts";

/** Replaces the wasm Slice kernel with one that copies in place; safe to call again. */
export function registerInPlaceWasmSlice(): void {
  replaceWasmKernel("Slice", (original) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === "string" || x.shape.length === 0) return original(args);
    const { begin, size } = args.attrs as unknown as {
      begin: number | number[];
      size: number | number[];
    };
    const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const heap = args.backend as unknown as WasmHeap;
    const out = heap.makeOutput(extent, x.dtype);
    copyWindow(heap.typedArrayFromHeap(x), x.shape, start, extent, heap.typedArrayFromHeap(out));
    return out;
  });
}

/** Copies the window [start, start + extent) of a row-major array of `shape` into `target`. */
export function copyWindow(
  source: HeapArray,
  shape: number[],
  start: number[],
  extent: number[],
  target: HeapArray,
): void {
  const rank = shape.length;
  if (extent.some((e) => e === 0)) return;
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  // Merge trailing axes taken whole into one contiguous run.
  let inner = rank - 1;
  let run = extent[rank - 1];
  while (inner > 0 && extent[inner] === shape[inner] && start[inner] === 0) {
    inner--;
    run *= extent[inner];
  }
  const outerRank = inner; // axes 0 .. inner-1 are iterated; axis `inner` starts each run
  const index = new Array<number>(outerRank).fill(0);
  let written = 0;
  // Long runs copy fastest as one block; short ones (a pixel's channels) with a loop.
  const bulk = run >= 64;
  for (;;) {
    let offset = start[inner] * strides[inner];
    for (let d = 0; d < outerRank; d++) offset += (start[d] + index[d]) * strides[d];
    if (bulk) {
      target.set(source.subarray(offset, offset + run), written);
    } else {
      for (let i = 0; i < run; i++) target[written + i] = source[offset + i];
    }
    written += run;
    let d = outerRank - 1;
    while (d >= 0 && ++index[d] === extent[d]) index[d--] = 0;
    if (d < 0) break;
  }
}
