/**
 * face-api's TinyFaceDetector (`@vladmandic/face-api` 1.7.15): a Tiny-YOLOv2-style
 * network (Redmon and Farhadi 2017) with depthwise-separable convolutions, 19x19 cells
 * and 5 anchors at a 608x608 input. Detection runs face-api's own `locateFaces`, as
 * deployed; `faceLogits` re-runs the same network on face-api's loaded weights with the
 * same ops, so an attack can differentiate it.
 */
import { faceApiSquare, faceApiWorkingShape } from "./faceapi_square_input.ts";
import { dropoutErosion, type GhostSample, validateRate } from "../models/ghost_erosion.ts";
import * as tf from "@tensorflow/tfjs";
import type { Face, WhiteBoxDetector } from "./types.ts";
import { imageToTensor, type RgbImage } from "../image/rgb_image.ts";
import { faceapi, loadFaceApiWeights } from "./faceapi_ssd.ts";

/** A convolution with a bias (face-api's ConvParams). */
interface ConvParams {
  filters: tf.Tensor4D;
  bias: tf.Tensor1D;
}

/** A 3x3 depthwise then 1x1 pointwise convolution with a bias (SeparableConvParams). */
interface SeparableParams {
  depthwise_filter: tf.Tensor4D;
  pointwise_filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

/** face-api's MobilenetParams for the Tiny detector (isFirstLayerConv2d, 7 filter sizes). */
interface TinyParams {
  conv0: ConvParams;
  conv1: SeparableParams;
  conv2: SeparableParams;
  conv3: SeparableParams;
  conv4: SeparableParams;
  conv5: SeparableParams;
  conv6?: SeparableParams;
  conv7?: SeparableParams;
  conv8: ConvParams;
}

/** Square input EqualAIs runs the Tiny detector at (a multiple of 32: 19x19 cells). */
const TINY_INPUT_SIZE = 608;
/** Score threshold EqualAIs measures with. */
const TINY_THRESHOLD = 0.4;
// face-api's leaky.ts slope, the float32 nearest 0.1 written out as face-api does.
const LEAKY_SLOPE = 0.10000000149011612;
/** Numbers per anchor in the output: x, y, w, h, objectness (one class: no class scores). */
export const TINY_BOX_ENCODING = 5;

/** face-api's TinyFaceDetector at input 608 and score threshold 0.4. */
export class FaceApiTinyDetector implements WhiteBoxDetector {
  /** Detector id. */
  readonly id = "faceapi-tiny";
  /** Model family. */
  readonly family = "tiny-yolo";
  /** Differentiable via faceLogits. */
  readonly kind = "whitebox" as const;
  /**
   * Score threshold, with input 608: the setting EqualAIs measures with. face-api's
   * defaults (input 416, score 0.5) found 3,1,3,3,5,5 faces in the samples instead of
   * 3,2,3,4,5,4.
   */
  readonly threshold = TINY_THRESHOLD;
  /** Logit of the threshold: face-api's score is sigmoid(objectness). */
  readonly logitThreshold = Math.log(TINY_THRESHOLD / (1 - TINY_THRESHOLD));
  /** Square network input in pixels (a multiple of 32). */
  readonly inputSize = TINY_INPUT_SIZE;
  /**
   * Milliseconds of one wasm gradient step, whatever the photo: the network always runs at
   * 608x608 (pgdSpeed, batch 1, 2-core build machine).
   */
  stepMs(): number {
    return 224;
  }
  /** One line for listings. */
  readonly description =
    "face-api 1.7.15 TinyFaceDetector (Tiny-YOLOv2 style), input 608, score 0.4";
  readonly #net: InstanceType<typeof faceapi.TinyFaceDetector>;
  #ghost?: GhostSample;

  private constructor(net: InstanceType<typeof faceapi.TinyFaceDetector>) {
    this.#net = net;
  }

  /** Verifies and loads the model files from models/. */
  static async load(): Promise<FaceApiTinyDetector> {
    const net = new faceapi.TinyFaceDetector();
    const weights = await loadFaceApiWeights("tiny_face_detector_model");
    net.loadFromWeightMap(weights as unknown as faceapi.tf.NamedTensorMap);
    return new FaceApiTinyDetector(net);
  }

  /**
   * The [height, width] the attack gives faceLogits: the photo with its long side at most
   * 608, aspect ratio kept. face-api pads the photo to a square before resizing it, so a
   * square resize would show the network stretched faces; padding this shape to 608x608
   * samples the photo where face-api does along the long side, and within half a network
   * pixel (rounding of the short side) along the other. Smaller photos go in whole.
   */
  inputShape(height: number, width: number): [number, number] {
    return faceApiWorkingShape(height, width, TINY_INPUT_SIZE);
  }

  /** face-api's anchor sizes [width, height] in cells, in output order. */
  get anchors(): [number, number][] {
    return this.#net.anchors.map((p) => [p.x, p.y] as [number, number]);
  }

  /** Runs face-api's `locateFaces` (its NMS at IoU 0.4). */
  async detect(image: RgbImage): Promise<Face[]> {
    const input = tf.tidy(() => imageToTensor(image).squeeze([0]) as tf.Tensor3D);
    try {
      const options = new faceapi.TinyFaceDetectorOptions({
        inputSize: this.inputSize,
        scoreThreshold: this.threshold,
      });
      const found = await this.#net.locateFaces(input as unknown as faceapi.TNetInput, options);
      return found.map((d) => ({
        box: [d.box.x, d.box.y, d.box.width, d.box.height] as Face["box"],
        score: d.score,
      }));
    } finally {
      input.dispose();
    }
  }

  /**
   * face-api's preprocessing (NetInput.toBatchTensor(608, false) and forwardInput): zeros
   * appended below or to the right to make the image square, a bilinear resize to 608x608
   * (no corner alignment, no half-pixel centres), then (x - mean RGB) / 255.
   */
  preprocess(images: tf.Tensor4D): tf.Tensor4D {
    const meanRgb = this.#net.config.meanRgb;
    if (!meanRgb) throw new Error("faceapi-tiny: face-api's config has no mean RGB");
    return tf.tidy(() =>
      faceApiSquare(images, TINY_INPUT_SIZE).sub(tf.tensor1d(meanRgb)).div(255) as tf.Tensor4D
    );
  }

  /**
   * The network's output, [batch, 19, 19, 5 anchors x 5]: per cell and anchor x, y, w, h
   * and the objectness logit, as face-api's runMobilenet computes it. Differentiable.
   */
  forwardRaw(images: tf.Tensor4D): tf.Tensor4D {
    const params = this.#net.params as unknown as TinyParams | undefined;
    if (!params) throw new Error("faceapi-tiny: model is not loaded");
    const ghost = this.#ghost;
    return tf.tidy(() => {
      // Ghost sites numbered in layer order: the same layer always draws the same mask.
      let site = 0;
      const erode = (x: tf.Tensor4D) => dropoutErosion(x, ghost, site++) as tf.Tensor4D;
      let out = erode(leaky(conv(this.preprocess(images), params.conv0, "valid")));
      out = tf.maxPool(out, [2, 2], [2, 2], "same");
      out = erode(separable(out, params.conv1));
      out = tf.maxPool(out, [2, 2], [2, 2], "same");
      out = erode(separable(out, params.conv2));
      out = tf.maxPool(out, [2, 2], [2, 2], "same");
      out = erode(separable(out, params.conv3));
      out = tf.maxPool(out, [2, 2], [2, 2], "same");
      out = erode(separable(out, params.conv4));
      out = tf.maxPool(out, [2, 2], [2, 2], "same");
      out = erode(separable(out, params.conv5));
      out = tf.maxPool(out, [2, 2], [1, 1], "same");
      if (params.conv6) out = erode(separable(out, params.conv6));
      if (params.conv7) out = erode(separable(out, params.conv7));
      return conv(out, params.conv8, "valid");
    });
  }

  /**
   * Erodes faceLogits with this ghost network from now on (undefined: the exact network):
   * dropout erosion after every leaky-ReLU layer. Tiny YOLO v2 has no residual sums, so
   * skip erosion leaves this network unchanged.
   */
  setGhost(sample: GhostSample | undefined): void {
    if (sample) {
      validateRate("ghost dropout", sample.dropout);
      validateRate("ghost skip", sample.skip);
    }
    this.#ghost = sample;
  }

  /**
   * Face logits of every cell and anchor, [batch, 19 * 19 * 5] in face-api's order (row,
   * column, anchor): the objectness before face-api's sigmoid. Differentiable.
   */
  faceLogits(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const raw = this.forwardRaw(images);
      const [batch, rows, cols] = raw.shape;
      const anchors = this.#net.anchors.length;
      return raw.reshape([batch, rows * cols * anchors, TINY_BOX_ENCODING])
        .slice([0, 0, 4], [-1, -1, 1]).reshape([batch, -1]) as tf.Tensor2D;
    });
  }

  /** Releases the weights. */
  dispose(): void {
    this.#net.dispose();
  }
}

/** face-api's convLayer without ReLU. */
function conv(x: tf.Tensor4D, p: ConvParams, padding: "valid" | "same"): tf.Tensor4D {
  return tf.conv2d(x, p.filters, [1, 1], padding).add(p.bias);
}

/** face-api's depthwiseSeparableConv: one pixel of zeros around, 'valid', bias, leaky. */
function separable(x: tf.Tensor4D, p: SeparableParams): tf.Tensor4D {
  const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const out = tf.separableConv2d(padded, p.depthwise_filter, p.pointwise_filter, [1, 1], "valid");
  return leaky(out.add(p.bias));
}

/**
 * face-api's leaky ReLU, written as it is (relu(x - 0.1x) + 0.1x), with its gradient written
 * out: dy times step(x, 0.1), the slope where x is not positive. Autodiff through the four
 * elementwise ops took six more on the way back, most of the non-convolution time of a
 * gradient step on wasm. (tf.leakyRelu and tf.maximum are slower there: no SIMD kernels.)
 */
const leaky = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const input = args[0] as tf.Tensor4D;
  const save = args[1] as tf.GradSaveFunc;
  save([input]);
  const min = input.mul(tf.scalar(LEAKY_SLOPE));
  return {
    value: tf.relu(input.sub(min)).add(min) as tf.Tensor4D,
    gradFunc: (dy, [saved]) => dy.mul(tf.step(saved, LEAKY_SLOPE)),
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;
