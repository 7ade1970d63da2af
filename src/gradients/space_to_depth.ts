/**
 * SpaceToDepth for NHWC tensors: the inverse of tfjs's DepthToSpace, and so its gradient.
 */
import * as tf from "@tensorflow/tfjs";

/** Rearranges blocks of `blockSize` x `blockSize` pixels into channels (TensorFlow's SpaceToDepth, NHWC). */
export function spaceToDepth(x: tf.Tensor4D, blockSize: number): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  if (height % blockSize !== 0 || width % blockSize !== 0) {
    throw new RangeError(
      `spaceToDepth: height ${height} and width ${width} must be multiples of blockSize ${blockSize}`,
    );
  }
  return tf.tidy(() =>
    x.reshape([batch, height / blockSize, blockSize, width / blockSize, blockSize, channels])
      .transpose([0, 1, 3, 2, 4, 5])
      .reshape([
        batch,
        height / blockSize,
        width / blockSize,
        blockSize * blockSize * channels,
      ]) as tf.Tensor4D
  );
}
