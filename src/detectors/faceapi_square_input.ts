/**
 * face-api's input geometry (NetInput.toBatchTensor(size, false)), shared by its SSD and
 * Tiny detectors: zeros appended below or to the right to make the photo square, then a
 * bilinear resize to size x size (no corner alignment, no half-pixel centres). And the
 * inverse view an attack needs: the photo with its long side at most size, aspect kept.
 */
import * as tf from "@tensorflow/tfjs";

/** Pads [batch, H, W, 3] to a square with zeros below or right and resizes it to `size`. */
export function faceApiSquare(images: tf.Tensor4D, size: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, height, width] = images.shape;
    const side = Math.max(height, width);
    let square = images.toFloat();
    if (height !== width) {
      square = tf.pad(square, [[0, 0], [0, side - height], [0, side - width], [0, 0]]);
    }
    if (side !== size) square = tf.image.resizeBilinear(square, [size, size], false, false);
    return square as tf.Tensor4D;
  });
}

/**
 * The [height, width] an attack gives a face-api detector: long side at most `size`, aspect
 * kept, so faceApiSquare pads it as face-api pads the photo. Smaller photos go in whole.
 */
export function faceApiWorkingShape(
  height: number,
  width: number,
  size: number,
): [number, number] {
  const scale = Math.min(1, size / Math.max(height, width));
  return [Math.max(1, Math.round(height * scale)), Math.max(1, Math.round(width * scale))];
}
