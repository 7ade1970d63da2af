/**
 * The one interface every face detector implements, white-box or black-box.
 */
import type * as tf from "@tensorflow/tfjs";
import type { RgbImage } from "../image/rgb_image.ts";

/** A face found by a detector: box in source-image pixels and a score in 0..1. */
export interface Face {
  /** [x, y, width, height] of the face in the source image's pixels. */
  box: [number, number, number, number];
  /** The detector's confidence, 0..1. */
  score: number;
}

/** Whether an attack can differentiate through the detector. */
export type DetectorKind = "whitebox" | "blackbox";

/** A face detector that can find faces in an image. */
export interface Detector {
  /** Stable id used on the command line and in results, e.g. "blazeface-back". */
  readonly id: string;
  /** Model family (network design): "blazeface", "ssd-mobilenet", "tiny-yolo", "faceboxes", "viola-jones". */
  readonly family: string;
  /** "whitebox" when faceLogits is available. */
  readonly kind: DetectorKind;
  /** Score above which a candidate counts as a face. */
  readonly threshold: number;
  /** One line on what the detector is. */
  readonly description: string;
  /** Finds faces; boxes are in the image's pixels, after decoding and non-max suppression. */
  detect(image: RgbImage): Promise<Face[]>;
  /** Releases model weights. */
  dispose(): void;
}

/** A detector whose per-anchor face logits are differentiable with respect to input pixels. */
export interface WhiteBoxDetector extends Detector {
  /** Always "whitebox". */
  readonly kind: "whitebox";
  /** The square model input size in pixels (for inputShape detectors: the working long side). */
  readonly inputSize: number;
  /**
   * The [height, width] the attack resizes a height x width photo to for faceLogits, where
   * that is not [inputSize, inputSize] (fully convolutional detectors keep the aspect ratio).
   */
  inputShape?(height: number, width: number): [number, number];
  /** The logit corresponding to `threshold` (scores are sigmoid of logits). */
  readonly logitThreshold: number;
  /**
   * Milliseconds of one forward and input-gradient step on wasm at batch 1 for faceLogits
   * input of this shape (measured with pgdSpeed, `deno task bench`'s timer): how an ensemble
   * is spread over threads (offload_plan.ts). Unset: DEFAULT_STEP_MS_PER_MEGAPIXEL per
   * megapixel of the input.
   */
  stepMs?(height: number, width: number): number;
  /**
   * Face logits of every anchor, [batch, anchors], for full-resolution images
   * [batch, H, W, 3] with values 0..255, through the deployed preprocessing.
   * Differentiable with tf.grad.
   */
  faceLogits(images: tf.Tensor4D): tf.Tensor2D;
}

/** True when the detector offers differentiable face logits. */
export function isWhiteBox(detector: Detector): detector is WhiteBoxDetector {
  return detector.kind === "whitebox";
}
