/**
 * Slice on wasm without copying the whole input first. tfjs 4.22's wasm Slice reads the
 * entire input out of the heap (readSync copies it) and then copies the window one
 * innermost run at a time with subarray().set(): for a window of a 4-D image tensor that
 * is one call per pixel. Cropping a padded 194x194x3 input (MediaPipe's stem gradient)
 * took 35 ms. This reads the heap in place and copies short runs with a plain loop.
 */
import * as tf from "@tensorflow/tfjs";

/** A typed array over the wasm heap (float32, int32 or bool tensors). */
export type HeapArray = Float32Array | Int32Array | Uint8Array;

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): HeapArray;
}

let registered = false;

/** Replaces the wasm Slice kernel with one that copies in place; safe to call again. */
export function registerInPlaceWasmSlice(): void {
  if (registered) return;
  registered = true;
  const original = tf.getKernel("Slice", "wasm");
  if (!original) return;
  tf.unregisterKernel("Slice", "wasm");
  tf.registerKernel({
    kernelName: "Slice",
    backendName: "wasm",
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === "string" || x.shape.length === 0) return original.kernelFunc(args);
      const { begin, size } = args.attrs as unknown as {
        begin: number | number[];
        size: number | number[];
      };
      const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
      const backend = args.backend as unknown as WasmHeapBackend;
      // Output first: allocating can grow the heap and detach earlier views.
      const out = backend.makeOutput(extent, x.dtype);
      const source = backend.typedArrayFromHeap(x);
      const target = backend.typedArrayFromHeap(out);
      copyWindow(source, x.shape, start, extent, target);
      return out;
    },
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
