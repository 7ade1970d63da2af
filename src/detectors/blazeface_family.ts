/**
 * BlazeFace-style single-shot detectors (BlazeFace front/back, MediaPipe full-range):
 * a resize to the model's square input, scaling to [-1, 1], and per-anchor outputs of
 * one face logit plus box and keypoint regressors relative to fixed anchors.
 *
 * Decoding follows Human 3.3.6 (`src/face/blazeface.ts`) so that boxes agree with
 * `human.detect`: the whole image is stretched to the input square (no padding), box
 * centres are anchor + offset, and sizes are in input pixels.
 */
import * as tf from "@tensorflow/tfjs";
import { type AnchorSpec, generateAnchors } from "./anchors.ts";
import { nonMaxSuppression } from "./nms.ts";
import type { Face, WhiteBoxDetector } from "./types.ts";
import { imageToTensor, type RgbImage } from "../image/rgb_image.ts";
import { loadGraphModel } from "../models/load_graph_model.ts";
import { ghostGraph, GhostSwitch } from "../models/ghost_graph.ts";
import type { GhostSample } from "../models/ghost_erosion.ts";

/** Static description of one BlazeFace-family model. */
export interface BlazeFamilySpec {
  /** Detector id. */
  id: string;
  /** Model file name without extension, in models/. */
  modelName: string;
  /** Square input size in pixels. */
  inputSize: number;
  /** Anchor layout. */
  anchors: AnchorSpec;
  /** Score threshold (sigmoid of the logit). */
  threshold: number;
  /** IoU above which overlapping candidates are suppressed. */
  iouThreshold: number;
  /** One line for listings. */
  description: string;
  /** Graph outputs to read, when the model has heads other than the face one. */
  outputNodes?: string[];
  /** Milliseconds of a wasm step at batch 1 (see WhiteBoxDetector.stepMs). */
  stepMs: number;
}

/** A loaded BlazeFace-family detector: fused graph for detection, unfused for gradients. */
export class BlazeFamilyDetector implements WhiteBoxDetector {
  /** Always white-box. */
  readonly kind = "whitebox" as const;
  /** Model family. */
  readonly family = "blazeface";
  /** Detector id. */
  readonly id: string;
  /** Square input size in pixels. */
  readonly inputSize: number;
  /** Score threshold. */
  readonly threshold: number;
  /** Logit equivalent of the threshold. */
  readonly logitThreshold: number;
  /** One line for listings. */
  readonly description: string;
  readonly #spec: BlazeFamilySpec;
  readonly #fused: tf.GraphModel;
  readonly #unfused: tf.GraphModel;
  readonly #anchors: [number, number][];
  readonly #ghost: GhostSwitch;

  private constructor(
    spec: BlazeFamilySpec,
    fused: tf.GraphModel,
    unfused: tf.GraphModel,
    ghost: GhostSwitch,
  ) {
    this.#ghost = ghost;
    this.#spec = spec;
    this.id = spec.id;
    this.inputSize = spec.inputSize;
    this.threshold = spec.threshold;
    this.logitThreshold = Math.log(spec.threshold / (1 - spec.threshold));
    this.description = spec.description;
    this.#fused = fused;
    this.#unfused = unfused;
    this.#anchors = generateAnchors(spec.inputSize, spec.anchors);
  }

  /** Milliseconds of one wasm gradient step: the network always runs at inputSize. */
  stepMs(): number {
    return this.#spec.stepMs;
  }

  /** Loads (and hash-verifies) the model files for a spec. */
  static async load(spec: BlazeFamilySpec): Promise<BlazeFamilyDetector> {
    const fused = await loadGraphModel(spec.modelName, { dynamicBatch: true });
    // The gradient graph carries erosion nodes (ghost networks), identities until setGhost.
    const ghost = new GhostSwitch();
    const unfused = await loadGraphModel(spec.modelName, {
      unfuse: true,
      dynamicBatch: true,
      rewrite: (nodes) => ghostGraph(nodes, ghost.id).nodes,
    });
    return new BlazeFamilyDetector(spec, fused, unfused, ghost);
  }

  /** Erodes faceLogits with this ghost network from now on (undefined: the exact network). */
  setGhost(sample: GhostSample | undefined): void {
    this.#ghost.set(sample);
  }

  /** Resizes 0..255 images to the model input and scales them to [-1, 1], as Human does. */
  preprocess(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const size = this.inputSize;
      // A bilinear resize to the same size is the identity; attacks pass model-sized views.
      const same = images.shape[1] === size && images.shape[2] === size;
      const resized = same ? images : tf.image.resizeBilinear(images, [size, size]);
      return resized.div(127.5).sub(1) as tf.Tensor4D;
    });
  }

  /** Raw predictions [batch, anchors, 17]: logit, box (4) and 6 keypoints (12). */
  rawPredictions(images: tf.Tensor4D, differentiable = false): tf.Tensor3D {
    return tf.tidy(() => {
      const model = differentiable ? this.#unfused : this.#fused;
      const outputs = model.execute(this.preprocess(images), this.#spec.outputNodes);
      return assemblePredictions(
        Array.isArray(outputs) ? outputs : [outputs],
        this.#anchors.length,
      );
    });
  }

  /**
   * Face logits of every anchor, [batch, anchors]; differentiable. Taken from the
   * classifier outputs directly, without assembling the box regressors around them.
   */
  faceLogits(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const outputs = this.#unfused.execute(this.preprocess(images), this.#spec.outputNodes);
      return assembleLogits(Array.isArray(outputs) ? outputs : [outputs], this.#anchors.length);
    });
  }

  /** Finds faces: anchors above the threshold, decoded, suppressed. */
  async detect(image: RgbImage): Promise<Face[]> {
    const raw = tf.tidy(() => {
      const input = imageToTensor(image);
      return this.rawPredictions(input).squeeze([0]) as tf.Tensor2D;
    });
    const values = await raw.data();
    raw.dispose();
    return this.decode(values, image.width, image.height);
  }

  /** Decodes flat [anchors x 17] predictions into faces in source pixels. */
  decode(values: Float32Array | ArrayLike<number>, width: number, height: number): Face[] {
    const stride = 17;
    const size = this.inputSize;
    const candidates: Face[] = [];
    for (let i = 0; i < this.#anchors.length; i++) {
      const score = 1 / (1 + Math.exp(-values[i * stride]));
      if (!(score > this.threshold)) continue;
      const [ax, ay] = this.#anchors[i];
      const cx = values[i * stride + 1] + ax;
      const cy = values[i * stride + 2] + ay;
      const w = values[i * stride + 3];
      const h = values[i * stride + 4];
      const sx = width / size;
      const sy = height / size;
      candidates.push({
        box: [(cx - w / 2) * sx, (cy - h / 2) * sy, w * sx, h * sy],
        score,
      });
    }
    return nonMaxSuppression(candidates, this.#spec.iouThreshold);
  }

  /** Releases both graphs' weights. */
  dispose(): void {
    this.#fused.dispose();
    this.#unfused.dispose();
    this.#ghost.dispose();
  }
}

/**
 * The face logits [batch, anchors] from the same outputs as assemblePredictions, in the
 * same anchor order: per-level logits [b, k, 1] joined finer map first, or column 0 of a
 * single [b, n, 17] output.
 */
export function assembleLogits(outputs: tf.Tensor[], anchorCount: number): tf.Tensor2D {
  return tf.tidy(() => {
    let logits: tf.Tensor;
    if (outputs.length === 1) {
      const [batch, anchors] = outputs[0].shape;
      logits = outputs[0].slice([0, 0, 0], [-1, -1, 1]).reshape([batch!, anchors!]);
    } else {
      const levels = outputs.filter((t) => t.shape[2] === 1)
        .sort((a, b) => b.shape[1]! - a.shape[1]!);
      logits = tf.concat(levels, 1).reshape([levels[0].shape[0]!, -1]);
    }
    if (logits.shape[1] !== anchorCount) {
      throw new Error(`model has ${logits.shape[1]} anchors, expected ${anchorCount}`);
    }
    return logits as tf.Tensor2D;
  });
}

/**
 * Brings the models' output layouts to one [batch, anchors, 17] tensor:
 * - one output [b, n, 17] (MediaPipe export, or the face head picked by outputNodes): as is;
 * - four outputs (BlazeFace tfhub export): logits [b, k, 1] and regressors [b, k, 16]
 *   per feature map, joined with the finer map (more anchors) first.
 */
export function assemblePredictions(outputs: tf.Tensor[], anchorCount: number): tf.Tensor3D {
  return tf.tidy(() => {
    if (outputs.length === 1) {
      const first = outputs[0] as tf.Tensor3D;
      if (first.shape[1] !== anchorCount || first.shape[2] !== 17) {
        throw new Error(`unexpected model output shape [${first.shape}]`);
      }
      return first;
    }
    const byAnchors = new Map<number, { logits?: tf.Tensor; regressors?: tf.Tensor }>();
    for (const t of outputs) {
      const entry = byAnchors.get(t.shape[1]!) ?? {};
      if (t.shape[2] === 1) entry.logits = t;
      else entry.regressors = t;
      byAnchors.set(t.shape[1]!, entry);
    }
    const levels = [...byAnchors.entries()].sort((a, b) => b[0] - a[0]).map(([, v]) => {
      if (!v.logits || !v.regressors) throw new Error("model outputs do not pair up");
      return tf.concat([v.logits, v.regressors], 2);
    });
    const joined = tf.concat(levels, 1) as tf.Tensor3D;
    if (joined.shape[1] !== anchorCount) {
      throw new Error(`model has ${joined.shape[1]} anchors, expected ${anchorCount}`);
    }
    return joined;
  });
}
