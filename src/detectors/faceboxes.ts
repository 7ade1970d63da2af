/**
 * FaceBoxes (Zhang et al. 2017), the TensorFlow port shipped with Human's models.
 *
 * Detection runs the graph as deployed: the full-resolution photo as uint8, with the
 * graph's own decoding, loops and non-max suppression. The network in front of all that
 * is fully convolutional and differentiable: `faceLogits` feeds float pixels to the node
 * after the graph's uint8 cast and stops at the per-anchor class logits, on a copy of the
 * graph whose fused convolutions are split (see unfuse_graph.ts).
 *
 * Input size: the deployed graph sees the photo at its own size, and so does the attack
 * (`inputShape`): FaceBoxes' adversarial patterns do not survive a change of scale. On
 * sample 1 at 1280x853, 40 steps of PGD (eps 8, squared hinge) at a working size of 640 or
 * 1024 px hid every face at that size (no detection, top logit -0.6 and -1.8), yet the
 * deployed graph on the 1280 px photo still found all three faces (scores 0.99, 0.97,
 * 0.92 after the 1024 px attack); at the photo's own size 20 steps hid all three.
 * Only photos over FACEBOXES_MAX_PIXELS are scaled down (to fit the wasm heap), and there
 * the deployed graph may still find their faces.
 */
import { ghostGraph, GhostSwitch } from "../models/ghost_graph.ts";
import type { GhostSample } from "../models/ghost_erosion.ts";
import * as tf from "@tensorflow/tfjs";
import type { Face, WhiteBoxDetector } from "./types.ts";
import { imageToTensor, type RgbImage } from "../image/rgb_image.ts";
import { loadGraphModel } from "../models/load_graph_model.ts";
import type { FaceBoxesCoder } from "./faceboxes_decode.ts";

/**
 * Nominal long side, in pixels: a 1 MP photo's. The network itself runs at each photo's own
 * size, which is what the attack's cost estimates use once they know it.
 */
export const FACEBOXES_NOMINAL_SIDE = 1024;

/**
 * Most pixels the attack differentiates FaceBoxes at; larger photos are scaled down to it.
 * A wasm gradient step held 637 MiB at its peak for a 1 MP photo (816x1224, 0.4-0.5 s) and
 * 1.3 GiB for 2.5 MP (1280x1920, 1.2 s); wasm's one heap stops near 4 GB, which the rest of
 * the protection shares (photo_limits.ts), so 3 MP keeps FaceBoxes near 2 GB. The samples
 * (up to 1920x1537) stay at their own size.
 */
export const FACEBOXES_MAX_PIXELS = 3_000_000;

/** The graph node after the uint8-to-float cast: float pixels 0..255 are fed here. */
const FLOAT_INPUT = "ToFloat";
/** Class logits [batch, anchors, 2] (background, face), before the graph's softmax. */
const CLASS_LOGITS = "reshaping/concat_1";
/** Box encodings [batch, anchors, 4] (y, x, h, w), before the graph's decoding. */
const BOX_ENCODINGS = "reshaping/concat";

/** A loaded FaceBoxes model: deployed graph for detection, unfused network for gradients. */
export class FaceBoxesDetector implements WhiteBoxDetector {
  /** Detector id. */
  readonly id = "faceboxes";
  /** Model family. */
  readonly family = "faceboxes";
  /** Differentiable via faceLogits. */
  readonly kind = "whitebox" as const;
  /** Score threshold: the clear gap between faces (>0.9) and clutter (<0.3) on the samples. */
  readonly threshold = 0.5;
  /** Logit of the threshold: a 2-class softmax is the sigmoid of face minus background. */
  readonly logitThreshold = 0;
  /** Nominal long side for cost estimates; photos are taken at their own size (inputShape). */
  readonly inputSize = FACEBOXES_NOMINAL_SIDE;
  /**
   * Milliseconds of one wasm gradient step: the network runs at the photo's own size, 280 ms
   * a megapixel (292 ms at 1024x1024; pgdSpeed, batch 1, 2-core build machine).
   */
  stepMs(height: number, width: number): number {
    return 280 * height * width / 1e6;
  }
  /** One line for listings. */
  readonly description = "FaceBoxes (Zhang et al. 2017), any input size, graph with built-in NMS";
  /** The graph's decoding constants, for decoding raw predictions like the graph. */
  readonly coder: FaceBoxesCoder;
  readonly #deployed: tf.GraphModel;
  readonly #unfused: tf.GraphModel;
  readonly #ghost: GhostSwitch;

  private constructor(deployed: tf.GraphModel, unfused: tf.GraphModel, ghost: GhostSwitch) {
    this.#deployed = deployed;
    this.#unfused = unfused;
    this.#ghost = ghost;
    this.coder = readCoder(deployed);
  }

  /** Loads and verifies the model, twice: as deployed and unfused for gradients. */
  static async load(): Promise<FaceBoxesDetector> {
    const deployed = await loadGraphModel("faceboxes");
    // The gradient graph carries erosion nodes (ghost networks), identities until setGhost;
    // its residual-looking sums are box arithmetic, so only dropout sites are found.
    const ghost = new GhostSwitch();
    const unfused = await loadGraphModel("faceboxes", {
      unfuse: true,
      rewrite: (nodes) => ghostGraph(nodes, ghost.id).nodes,
    });
    return new FaceBoxesDetector(deployed, unfused, ghost);
  }

  /** Erodes faceLogits with this ghost network from now on (undefined: the exact network). */
  setGhost(sample: GhostSample | undefined): void {
    this.#ghost.set(sample);
  }

  /**
   * The photo's own size, where the deployed graph sees it (see the module note); photos
   * over FACEBOXES_MAX_PIXELS scaled down to that many pixels, aspect ratio kept.
   */
  inputShape(height: number, width: number): [number, number] {
    const scale = Math.min(1, Math.sqrt(FACEBOXES_MAX_PIXELS / (height * width)));
    if (scale === 1) return [height, width];
    return [Math.max(1, Math.round(height * scale)), Math.max(1, Math.round(width * scale))];
  }

  /**
   * The network's raw outputs for float images [batch, H, W, 3] (0..255) at any size: class
   * logits [batch, anchors, 2] and box encodings [batch, anchors, 4]; differentiable.
   */
  rawPredictions(images: tf.Tensor4D): { logits: tf.Tensor3D; encodings: tf.Tensor3D } {
    const [logits, encodings] = this.#unfused.execute(
      { [FLOAT_INPUT]: images },
      [CLASS_LOGITS, BOX_ENCODINGS],
    ) as tf.Tensor3D[];
    return { logits, encodings };
  }

  /**
   * Face logits of every anchor, [batch, anchors]: face minus background class logit, whose
   * sigmoid is the graph's softmax face score. Images are taken at their own size (the
   * anchors follow it); the objective passes them at inputShape. Differentiable.
   */
  faceLogits(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const logits = this.#unfused.execute({ [FLOAT_INPUT]: images }, CLASS_LOGITS) as tf.Tensor3D;
      const [batch, anchors] = logits.shape;
      const face = logits.slice([0, 0, 1], [-1, -1, 1]);
      const background = logits.slice([0, 0, 0], [-1, -1, 1]);
      return face.sub(background).reshape([batch, anchors]) as tf.Tensor2D;
    });
  }

  /** Finds faces with the deployed graph: boxes come out normalised as [ymin, xmin, ymax, xmax]. */
  async detect(image: RgbImage): Promise<Face[]> {
    const input = tf.tidy(() => imageToTensor(image).toInt());
    const outputs = await this.#deployed.executeAsync(input) as tf.Tensor[];
    input.dispose();
    const [scoresT, boxesT, countT] = outputs;
    const scores = await scoresT.data();
    const boxes = await boxesT.data();
    const count = (await countT.data())[0];
    tf.dispose(outputs);
    const faces: Face[] = [];
    for (let i = 0; i < count; i++) {
      if (!(scores[i] > this.threshold)) continue;
      const [ymin, xmin, ymax, xmax] = boxes.subarray(i * 4, i * 4 + 4);
      faces.push({
        box: [
          xmin * image.width,
          ymin * image.height,
          (xmax - xmin) * image.width,
          (ymax - ymin) * image.height,
        ],
        score: scores[i],
      });
    }
    return faces;
  }

  /** Releases both graphs' weights. */
  dispose(): void {
    this.#deployed.dispose();
    this.#unfused.dispose();
    this.#ghost.dispose();
  }
}

/** The decoding constants, as the graph stores them (float16, so 0.1 is 0.0999755859375). */
function readCoder(model: tf.GraphModel): FaceBoxesCoder {
  const value = (name: string) => {
    const t = model.weights[name]?.[0];
    if (!t) throw new Error(`faceboxes: the graph has no constant ${name}`);
    return t.dataSync()[0];
  };
  const recip = (k: string) =>
    value(`ConstantFolding/postprocessing/decode_predictions/truediv${k}_recip`);
  return {
    centreScale: [recip(""), recip("_1")],
    sizeScale: [recip("_2"), recip("_3")],
    iouThreshold: value("nms/map/while/non_max_suppression/iou_threshold"),
    maxBoxes: value("nms/map/while/non_max_suppression/NonMaxSuppressionV3/max_output_size"),
  };
}
