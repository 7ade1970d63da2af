/**
 * The input gradient of bilinear resizing, as the transpose of its interpolation
 * matrices. tfjs 4.22's ResizeBilinearGrad kernels (cpu and wasm) ignore
 * `halfPixelCenters`, which MediaPipe's detector uses inside its graph, so their
 * gradients are wrong there; resizing is separable and linear, so
 * dx = Rᵀ · dy · C with small dense row (R) and column (C) matrices is exact.
 */
import * as tf from "@tensorflow/tfjs";

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

/** dL/dimages of `resizeBilinear(images)` given dL/dy; exact for every attribute combination. */
export function resizeBilinearInputGrad(
  imagesShape: number[],
  dy: tf.Tensor4D,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, inH, inW, channels] = imagesShape;
    const [, outH, outW] = dy.shape;
    const rows = tf.tensor2d(
      interpolationMatrix(inH, outH, alignCorners, halfPixelCenters),
      [outH, inH],
    );
    const cols = tf.tensor2d(
      interpolationMatrix(inW, outW, alignCorners, halfPixelCenters),
      [outW, inW],
    );
    // Rows: [inH, outH] x [outH, outW*C] per image.
    const byRows = tf.matMul(rows, dy.reshape([batch, outH, outW * channels]), true, false);
    // Columns: move width last, then [.., outW] x [outW, inW].
    const widthLast = byRows.reshape([batch * inH, outW, channels]).transpose([0, 2, 1]);
    const byCols = tf.matMul(widthLast.reshape([-1, outW]), cols);
    return byCols.reshape([batch, inH, channels, inW]).transpose([0, 1, 3, 2]) as tf.Tensor4D;
  });
}
