/**
 * The input gradient of bilinear resizing, as the transpose of its interpolation
 * matrices. tfjs 4.22's ResizeBilinearGrad kernels (cpu and wasm) ignore
 * `halfPixelCenters`, which MediaPipe's detector uses inside its graph, so their
 * gradients are wrong there; resizing is separable and linear, so
 * dx = Rᵀ · dy · C with its row (R) and column (C) interpolation matrices is exact
 * (applied sparsely by SeparableMap: each output reads at most a few inputs).
 */
import type * as tf from "@tensorflow/tfjs";
import { SeparableMap, transposed } from "../image/separable_map.ts";

/**
 * Weights of the 1-D bilinear interpolation that TensorFlow's ResizeBilinear applies
 * along one axis: [outSize, inSize], row i holding the weights of output i.
 */
export function interpolationMatrix(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Float32Array {
  const weights = new Float32Array(outSize * inSize);
  const scale = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const source = halfPixelCenters ? (i + 0.5) * scale - 0.5 : i * scale;
    const floor = Math.floor(source);
    const lower = Math.max(floor, 0);
    const upper = Math.min(Math.ceil(source), inSize - 1);
    const lerp = source - floor;
    weights[i * inSize + Math.min(lower, inSize - 1)] += 1 - lerp;
    weights[i * inSize + upper] += lerp;
  }
  return weights;
}

// The transposed maps, per geometry (a map makes its tensors per backend itself).
const transposedMaps = new Map<string, SeparableMap>();

/** dL/dimages of `resizeBilinear(images)` given dL/dy; exact for every attribute combination. */
export function resizeBilinearInputGrad(
  imagesShape: number[],
  dy: tf.Tensor4D,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): tf.Tensor4D {
  const [, inH, inW] = imagesShape;
  const [, outH, outW] = dy.shape;
  const key = `${inH}x${inW}|${outH}x${outW}|${alignCorners}|${halfPixelCenters}`;
  let map = transposedMaps.get(key);
  if (!map) {
    // dx = Rᵀ · dy · C: the separable map whose factors are the transposes.
    const rows = interpolationMatrix(inH, outH, alignCorners, halfPixelCenters);
    const cols = interpolationMatrix(inW, outW, alignCorners, halfPixelCenters);
    map = new SeparableMap(
      transposed({ values: rows, shape: [outH, inH] }),
      transposed({ values: cols, shape: [outW, inW] }),
    );
    transposedMaps.set(key, map);
  }
  return map.apply(dy);
}
