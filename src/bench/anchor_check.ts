/**
 * Correctness of the PyTorch anchor: the same input through the TensorFlow.js model and
 * through `torch_graph.py --check`, and how far their face logits lie apart. A ratio
 * against the anchor means something only while both compute the same function.
 *
 * The TensorFlow.js side is the model as the library ships it wherever the library exposes
 * raw logits: face-api's own TinyFaceDetector network (its `forwardInput`, before the
 * sigmoid) and Human's FaceBoxes graph as deployed (up to its pre-NMS class logits). face-api's
 * SSD returns only sigmoid scores, so its logits come from our `faceLogits` on face-api's
 * weights (src/detectors/faceapi_ssd.ts), the path the benchmark times.
 */
import * as tf from "@tensorflow/tfjs";
import { faceapi, FaceApiSsdDetector, loadFaceApiWeights } from "../detectors/faceapi_ssd.ts";
import { loadGraphModel } from "../models/load_graph_model.ts";
import { runAnchor } from "./torch_anchor.ts";

/** The models whose anchor is checked here (all take pixels 0..255). */
export const CHECKED_MODELS = ["faceapi-ssd", "faceapi-tiny", "faceboxes"] as const;

/** One of CHECKED_MODELS. */
export type CheckedModel = typeof CHECKED_MODELS[number];

/** How far the anchor's face logits are from TensorFlow.js's on one input. */
export interface AnchorAgreement {
  /** The model. */
  model: CheckedModel;
  /** Face logits (anchors) per image. */
  anchors: number;
  /** Largest |torch - tfjs| over the face logits. */
  max_abs_logit: number;
  /** Largest |torch - tfjs| / max(1, |tfjs|) over the face logits. */
  max_rel_logit: number;
  /** Largest |sigmoid(torch) - sigmoid(tfjs)|: the scores the detectors threshold. */
  max_abs_score: number;
  /** |sum sigmoid(torch) - sum sigmoid(tfjs)| / sum sigmoid(tfjs): the anchor's loss. */
  rel_loss: number;
  /** Range of the tfjs logits, to show the input is not degenerate. */
  logit_range: [number, number];
}

/** TensorFlow.js face logits [anchors] of one square image of pixels (float 0..255). */
export async function tfjsFaceLogits(
  model: CheckedModel,
  image: tf.Tensor4D,
): Promise<Float32Array> {
  let logits: tf.Tensor;
  if (model === "faceapi-ssd") {
    const detector = await FaceApiSsdDetector.load();
    logits = detector.faceLogits(image);
    detector.dispose();
  } else if (model === "faceapi-tiny") {
    const net = new faceapi.TinyFaceDetector();
    net.loadFromWeightMap(
      (await loadFaceApiWeights(
        "tiny_face_detector_model",
      )) as unknown as faceapi.tf.NamedTensorMap,
    );
    const size = image.shape[1];
    // face-api's forward: pad to square, resize (neither happens at 608), mean, /255, network.
    const raw = await net.forward(
      image as unknown as faceapi.TNetInput,
      size,
    ) as unknown as tf.Tensor;
    // [1, 19, 19, 5 boxes x (x, y, w, h, score)]: the score channel of every box.
    logits = tf.tidy(() => raw.reshape([-1, 5]).slice([0, 4], [-1, 1]).reshape([-1]));
    raw.dispose();
    net.dispose();
  } else {
    const graph = await loadGraphModel("faceboxes");
    // The deployed graph's input is uint8: the image is whole grey levels already.
    const input = tf.tidy(() => image.round().toInt());
    const classes = graph.execute({ image_tensor: input }, "reshaping/concat_1") as tf.Tensor3D;
    logits = tf.tidy(() =>
      classes.slice([0, 0, 1], [-1, -1, 1]).sub(classes.slice([0, 0, 0], [-1, -1, 1])).reshape([-1])
    );
    tf.dispose([input, classes]);
    graph.dispose();
  }
  const values = await logits.data() as Float32Array;
  logits.dispose();
  return values;
}

/**
 * Runs `image` (1 x size x size x 3, whole grey levels) through TensorFlow.js and the anchor
 * and compares their face logits; throws with the anchor's reason when it cannot run.
 */
export async function checkAnchor(
  model: CheckedModel,
  image: tf.Tensor4D,
): Promise<AnchorAgreement> {
  const size = image.shape[1];
  if (image.shape[0] !== 1 || image.shape[2] !== size) {
    throw new Error(`checkAnchor wants one square image, got [${image.shape}]`);
  }
  const tfjs = await tfjsFaceLogits(model, image);
  const dir = await Deno.makeTempDir({ prefix: "anchor_check_" });
  try {
    const pixels = await image.data() as Float32Array; // x86 and ARM: little-endian, as wanted
    await Deno.writeFile(`${dir}/input.bin`, new Uint8Array(pixels.buffer));
    const result = await runAnchor([
      model,
      "--size",
      String(size),
      "--check",
      `${dir}/input.bin`,
      "--logits",
      `${dir}/logits.bin`,
    ]);
    if (!result.ok) throw new Error(`the ${model} anchor failed: ${result.reason}`);
    const bytes = await Deno.readFile(`${dir}/logits.bin`);
    const torch = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    return compareLogits(model, tfjs, torch);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The agreement figures of two face-logit vectors (tfjs first). */
export function compareLogits(
  model: CheckedModel,
  tfjs: Float32Array,
  torch: Float32Array,
): AnchorAgreement {
  if (tfjs.length !== torch.length) {
    throw new Error(`${model}: tfjs has ${tfjs.length} face logits, the anchor ${torch.length}`);
  }
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  let maxAbs = 0, maxRel = 0, maxScore = 0, sumT = 0, sumP = 0;
  let low = Infinity, high = -Infinity;
  for (let i = 0; i < tfjs.length; i++) {
    const diff = Math.abs(torch[i] - tfjs[i]);
    maxAbs = Math.max(maxAbs, diff);
    maxRel = Math.max(maxRel, diff / Math.max(1, Math.abs(tfjs[i])));
    maxScore = Math.max(maxScore, Math.abs(sigmoid(torch[i]) - sigmoid(tfjs[i])));
    sumT += sigmoid(tfjs[i]);
    sumP += sigmoid(torch[i]);
    low = Math.min(low, tfjs[i]);
    high = Math.max(high, tfjs[i]);
  }
  return {
    model,
    anchors: tfjs.length,
    max_abs_logit: maxAbs,
    max_rel_logit: maxRel,
    max_abs_score: maxScore,
    rel_loss: Math.abs(sumP - sumT) / sumT,
    logit_range: [low, high],
  };
}
