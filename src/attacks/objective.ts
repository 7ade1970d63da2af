/**
 * The detection objective: a weighted ensemble of white-box detectors, each pushing
 * down the face logit of every anchor that is within `margin` of its threshold (not
 * only the best one, or the second-best face would take over), on the full-resolution
 * photo through each detector's own preprocessing; optionally averaged over EOT samples.
 */
import * as tf from "@tensorflow/tfjs";
import type { WhiteBoxDetector } from "../detectors/types.ts";
import { seededRandom } from "../random.ts";
import { DEFAULT_EOT, type EotOptions, sampleTransform, validateEot } from "./eot.ts";
import type { Objective } from "./types.ts";
import type { AdversarialView } from "./adversarial_view.ts";

/** One member of the ensemble. */
export interface EnsembleMember {
  /** The detector to fool. */
  detector: WhiteBoxDetector;
  /** Its weight in the loss (default 1). */
  weight?: number;
}

/** Options of the detection objective. */
export interface DetectionObjectiveOptions {
  /** Logits this far below a detector's threshold count as safe (default 2). */
  margin?: number;
  /** Robustness: average over random transforms (undefined = off). */
  eot?: Partial<EotOptions>;
  /** Seed of the transform sampling. */
  seed?: number;
}

/**
 * Sum over anchors of max(0, logit - (threshold - margin)), averaged over the batch:
 * zero exactly when every anchor of every image is safely below the threshold.
 */
export function hingeLoss(logits: tf.Tensor2D, logitThreshold: number, margin: number): tf.Scalar {
  return tf.tidy(() => logits.sub(logitThreshold - margin).relu().sum(1).mean() as tf.Scalar);
}

/** Builds the ensemble objective. */
export function detectionObjective(
  members: EnsembleMember[],
  options: DetectionObjectiveOptions = {},
): Objective {
  if (members.length === 0) throw new RangeError("the objective needs at least one detector");
  for (const m of members) {
    if (m.weight !== undefined && !(m.weight >= 0)) {
      throw new RangeError(`weight of ${m.detector.id} must be >= 0, got ${m.weight}`);
    }
  }
  const margin = options.margin ?? 2;
  const eot = options.eot ? { ...DEFAULT_EOT, ...options.eot } : undefined;
  if (eot) validateEot(eot);
  const random = seededRandom(options.seed ?? 0);
  return {
    loss(view: AdversarialView): tf.Scalar {
      // Sample in JS outside tidy so the stream advances identically every step.
      const transforms = eot
        ? Array.from({ length: eot.samples }, () => sampleTransform(random, eot))
        : [];
      return tf.tidy(() => {
        // Transformed copies are made once, at a working resolution, for all detectors.
        const [H, W] = view.photoSize;
        const side = eot?.workingSide || Math.max(H, W);
        const scale = Math.min(1, side / Math.max(H, W));
        const working = transforms.length
          ? view.resized(Math.round(H * scale), Math.round(W * scale))
          : undefined;
        const transformed = transforms.map((t) => t.apply(working!));
        const terms = members.map((m) => {
          const size = m.detector.inputSize;
          // The untransformed photo exactly as the detector's own resize sees it.
          const exact = view.resized(size, size);
          const batch = transformed.length
            ? tf.concat([
              exact,
              ...transformed.map((t) => tf.image.resizeBilinear(t, [size, size])),
            ])
            : exact;
          return hingeLoss(
            m.detector.faceLogits(batch as tf.Tensor4D),
            m.detector.logitThreshold,
            margin,
          )
            .mul(m.weight ?? 1);
        });
        return tf.addN(terms) as tf.Scalar;
      });
    },
  };
}
