/**
 * face-api's SSD-MobileNetV1 face detector (`@vladmandic/face-api` 1.7.15, after Vincent
 * Mühler's face-api.js): MobileNetV1 features and an SSD head (Liu et al. 2016) with 5,118
 * anchors at a 512x512 input. Detection runs face-api's own `locateFaces`, as deployed;
 * `faceLogits` re-runs the same network on face-api's loaded weights with the same ops,
 * so an attack can differentiate it.
 *
 * face-api runs from its node-wasm build, which shares our tfjs engine and backend.
 */
import * as tf from "@tensorflow/tfjs";
import type { Face, WhiteBoxDetector } from "./types.ts";
import { imageToTensor, type RgbImage } from "../image/rgb_image.ts";
import { MODELS_DIR } from "../paths.ts";
import { readManifest, verifyFile } from "../verified_files.ts";
import { SetupError } from "../errors.ts";
import { faceApiSquare, faceApiWorkingShape } from "./faceapi_square_input.ts";
import { dropoutErosion, type GhostSample, validateRate } from "../models/ghost_erosion.ts";

// The package's export map hides its node-wasm build, so the file is imported directly.
// @ts-types="../../node_modules/@vladmandic/face-api/dist/face-api.node-wasm.d.ts"
import * as faceapi from "../../node_modules/@vladmandic/face-api/dist/face-api.node-wasm.js";

export { faceapi };

/**
 * Decodes one face-api model (`<name>-weights_manifest.json` and its weight files) from
 * models/ into tensors on our engine, after verifying every file's SHA-256.
 * face-api's `loadFromWeightMap` takes the result.
 */
export async function loadFaceApiWeights(
  name: string,
  dir = MODELS_DIR,
): Promise<tf.NamedTensorMap> {
  // face-api's bundled typings declare only part of tfjs; its runtime object is the full API.
  if ((faceapi.tf as unknown as typeof tf).engine() !== tf.engine()) {
    throw new Error("face-api loaded a second tfjs engine; its results would not be comparable");
  }
  const manifest = await readManifest(`${dir}/manifest.json`).catch((error) => {
    if (error instanceof Deno.errors.NotFound) {
      throw new SetupError(`${dir}/manifest.json is missing`);
    }
    throw error;
  });
  const verified = async (file: string) => {
    const entry = manifest.files.find((f) => f.file === file);
    if (!entry) throw new Error(`model file ${file} is not listed in ${dir}/manifest.json`);
    await verifyFile(dir, entry);
    return `${dir}/${file}`;
  };
  const groups = JSON.parse(
    await Deno.readTextFile(await verified(`${name}-weights_manifest.json`)),
  ) as tf.io.WeightsManifestConfig;
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of groups) {
    specs.push(...group.weights);
    for (const path of group.paths) buffers.push(await Deno.readFile(await verified(path)));
  }
  const weights = new Uint8Array(buffers.reduce((sum, b) => sum + b.byteLength, 0));
  let offset = 0;
  for (const buffer of buffers) {
    weights.set(buffer, offset);
    offset += buffer.byteLength;
  }
  return tf.io.decodeWeights(weights.buffer, specs);
}

/** A 1x1 (or 3x3) convolution whose batch norm is folded into an offset, then ReLU6. */
interface PointwiseParams {
  filters: tf.Tensor4D;
  batch_norm_offset: tf.Tensor1D;
}

/** A depthwise 3x3 convolution with batch norm, then ReLU6. */
export interface DepthwiseParams {
  filters: tf.Tensor4D;
  batch_norm_scale: tf.Tensor1D;
  batch_norm_offset: tf.Tensor1D;
  batch_norm_mean: tf.Tensor1D;
  batch_norm_variance: tf.Tensor1D;
}

/**
 * A depthwise layer with its batch norm folded in (inference-mode batch norm is per-channel
 * affine): filters times scale / sqrt(variance + epsilon), and one offset per channel.
 */
export interface FoldedDepthwise {
  filters: tf.Tensor4D;
  offset: tf.Tensor1D;
}

/** The parts of face-api's SSD parameters that the class scores depend on. */
interface SsdParams {
  mobilenetv1: {
    conv_0: PointwiseParams;
    [pair: string]: PointwiseParams | {
      depthwise_conv: DepthwiseParams;
      pointwise_conv: PointwiseParams;
    };
  };
  prediction_layer: {
    [layer: string]: PointwiseParams | {
      class_predictor: { filters: tf.Tensor4D; bias: tf.Tensor1D };
    };
  };
}

// face-api's mobileNetV1.ts constants: batch-norm epsilon and the stride-2 depthwise layers.
const BATCH_NORM_EPSILON = 0.0010000000474974513;
const STRIDE_2_LAYERS = [2, 4, 6, 12];
/** Square input of face-api's SSD (SsdMobilenetv1.forwardInput). */
const SSD_INPUT_SIZE = 512;

/** face-api's SSD-MobileNetV1, black-box through face-api and white-box through faceLogits. */
export class FaceApiSsdDetector implements WhiteBoxDetector {
  /** Detector id. */
  readonly id = "faceapi-ssd";
  /** Model family. */
  readonly family = "ssd-mobilenet";
  /** Differentiable via faceLogits. */
  readonly kind = "whitebox" as const;
  /** face-api's default minConfidence (SsdMobilenetv1Options). */
  readonly threshold = 0.5;
  /** Logit of the threshold: sigmoid(0) = 0.5. */
  readonly logitThreshold = 0;
  /** Input size: images are zero-padded to a square, then resized to 512x512. */
  readonly inputSize = SSD_INPUT_SIZE;
  /**
   * Milliseconds of one wasm gradient step, whatever the photo: the network always runs at
   * 512x512 (pgdSpeed, batch 1, 2-core build machine).
   */
  stepMs(): number {
    return 516;
  }
  /** One line for listings. */
  readonly description =
    "face-api 1.7.15 SSD-MobileNetV1: 512x512 SSD, 5,118 anchors, minConfidence 0.5";
  readonly #net: InstanceType<typeof faceapi.SsdMobilenetv1>;
  // MobileNet's 13 depthwise layers, batch norm folded in (index 0 is layer 1).
  readonly #folded: FoldedDepthwise[];
  #ghost?: GhostSample;

  private constructor(net: InstanceType<typeof faceapi.SsdMobilenetv1>) {
    this.#net = net;
    const params = net.params as unknown as SsdParams;
    this.#folded = Array.from({ length: 13 }, (_, i) => {
      const pair = params.mobilenetv1[`conv_${i + 1}`] as { depthwise_conv: DepthwiseParams };
      const { filters, offset } = foldBatchNorm(pair.depthwise_conv);
      return { filters: tf.keep(filters), offset: tf.keep(offset) };
    });
  }

  /** Verifies and loads the model files from models/. */
  static async load(): Promise<FaceApiSsdDetector> {
    const net = new faceapi.SsdMobilenetv1();
    const weights = await loadFaceApiWeights("ssd_mobilenetv1_model");
    net.loadFromWeightMap(weights as unknown as faceapi.tf.NamedTensorMap);
    return new FaceApiSsdDetector(net);
  }

  /**
   * Erodes faceLogits with this ghost network from now on (undefined: the exact network):
   * dropout erosion after every ReLU6 layer. MobileNetV1 and the SSD head have no residual
   * sums, so skip erosion leaves this network unchanged.
   */
  setGhost(sample: GhostSample | undefined): void {
    if (sample) {
      validateRate("ghost dropout", sample.dropout);
      validateRate("ghost skip", sample.skip);
    }
    this.#ghost = sample;
  }

  /** Runs face-api's `locateFaces` (its NMS at IoU 0.5, at most 100 faces). */
  async detect(image: RgbImage): Promise<Face[]> {
    const input = tf.tidy(() => imageToTensor(image).squeeze([0]) as tf.Tensor3D);
    try {
      const options = new faceapi.SsdMobilenetv1Options({ minConfidence: this.threshold });
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
   * The [height, width] the attack gives faceLogits: the photo with its long side at most
   * 512, aspect ratio kept, so `preprocess` pads it to a square as face-api does (a square
   * resize would show the network stretched faces). Smaller photos go in whole.
   */
  inputShape(height: number, width: number): [number, number] {
    return faceApiWorkingShape(height, width, SSD_INPUT_SIZE);
  }

  /**
   * face-api's preprocessing (NetInput.toBatchTensor(512, false) and forwardInput): zeros
   * appended below or to the right to make the image square, a bilinear resize to 512x512
   * (no corner alignment, no half-pixel centres), then x / 127.5 - 1.
   */
  preprocess(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => faceApiSquare(images, SSD_INPUT_SIZE).div(127.5).sub(1) as tf.Tensor4D);
  }

  /**
   * Face logits of every anchor, [batch, 5118]: class 1 ("face") of the SSD class head
   * before face-api's sigmoid, in face-api's anchor order. Differentiable.
   */
  faceLogits(images: tf.Tensor4D): tf.Tensor2D {
    const params = this.#net.params as unknown as SsdParams | undefined;
    if (!params) throw new Error("faceapi-ssd: model is not loaded");
    const ghost = this.#ghost;
    return tf.tidy(() => {
      const batch = images.shape[0];
      // Ghost sites numbered in layer order: the same layer always draws the same mask.
      let site = 0;
      const erode = (x: tf.Tensor4D) => dropoutErosion(x, ghost, site++) as tf.Tensor4D;
      const { conv11, out } = mobileNetV1(
        this.preprocess(images),
        params.mobilenetv1,
        this.#folded,
        erode,
      );
      const layer = params.prediction_layer;
      const pw = (name: string) => layer[name] as PointwiseParams;
      const pair = (x: tf.Tensor4D, i: number) =>
        erode(pointwise(erode(pointwise(x, pw(`conv_${i}`), 1)), pw(`conv_${i + 1}`), 2));
      const conv1 = pair(out, 0);
      const conv3 = pair(conv1, 2);
      const conv5 = pair(conv3, 4);
      const conv7 = pair(conv5, 6);
      // Same feature maps and order as face-api's predictionLayer.
      const maps = [conv11, out, conv1, conv3, conv5, conv7];
      const classes = maps.map((x, i) => {
        const { class_predictor: p } = layer[`box_predictor_${i}`] as {
          class_predictor: { filters: tf.Tensor4D; bias: tf.Tensor1D };
        };
        return tf.conv2d(x, p.filters, 1, "same").add(p.bias).reshape([batch, -1, 3]);
      });
      const all = tf.concat(classes, 1);
      return all.slice([0, 0, 1], [-1, -1, 1]).reshape([batch, -1]) as tf.Tensor2D;
    });
  }

  /** Releases the weights. */
  dispose(): void {
    this.#net.dispose();
    tf.dispose(this.#folded.flatMap(({ filters, offset }) => [filters, offset]));
  }
}

function pointwise(x: tf.Tensor4D, p: PointwiseParams, stride: number): tf.Tensor4D {
  return tf.conv2d(x, p.filters, stride, "same").add(p.batch_norm_offset).clipByValue(
    0,
    6,
  ) as tf.Tensor4D;
}

// face-api's depthwise layer (convolution, tf.batchNorm, ReLU6) with the norm folded in: one
// add instead of a batch-norm kernel and its gradient, a tenth of the SSD step on wasm.
function depthwise(x: tf.Tensor4D, p: FoldedDepthwise, stride: number): tf.Tensor4D {
  return tf.depthwiseConv2d(x, p.filters, stride, "same").add(p.offset).clipByValue(
    0,
    6,
  ) as tf.Tensor4D;
}

/** Folds an inference-mode batch norm into the depthwise filters before it. */
export function foldBatchNorm(p: DepthwiseParams): FoldedDepthwise {
  const factor = tf.tidy(() =>
    tf.rsqrt(p.batch_norm_variance.add(BATCH_NORM_EPSILON)).mul(p.batch_norm_scale)
  );
  try {
    return {
      // Depthwise filters are [3, 3, channels, 1]: one factor per input channel.
      filters: tf.tidy(() => p.filters.mul(factor.reshape([1, 1, -1, 1])) as tf.Tensor4D),
      offset: tf.tidy(() => p.batch_norm_offset.sub(p.batch_norm_mean.mul(factor)) as tf.Tensor1D),
    };
  } finally {
    factor.dispose();
  }
}

/** face-api's mobileNetV1: the final feature map and that of conv pair 11. */
function mobileNetV1(
  x: tf.Tensor4D,
  params: SsdParams["mobilenetv1"],
  folded: readonly FoldedDepthwise[],
  erode: (x: tf.Tensor4D) => tf.Tensor4D,
): { out: tf.Tensor4D; conv11: tf.Tensor4D } {
  let out = erode(pointwise(x, params.conv_0, 2));
  let conv11 = out;
  for (let layer = 1; layer <= 13; layer++) {
    const pair = params[`conv_${layer}`] as { pointwise_conv: PointwiseParams };
    out = erode(depthwise(out, folded[layer - 1], STRIDE_2_LAYERS.includes(layer) ? 2 : 1));
    out = erode(pointwise(out, pair.pointwise_conv, 1));
    if (layer === 11) conv11 = out;
  }
  return { out, conv11 };
}
