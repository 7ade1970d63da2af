/**
 * The detection objective: a weighted ensemble of white-box detectors, each pushing
 * down the face logit of every anchor that is within `margin` of its threshold (not
 * only the best one, or the second-best face would take over), on the full-resolution
 * photo through each detector's own preprocessing; optionally averaged over EOT samples.
 */
import * as tf from "@tensorflow/tfjs";
import type { WhiteBoxDetector } from "../detectors/types.ts";
import { ParallelTerms } from "../parallel/parallel_terms.ts";
import { gradientThreads } from "../parallel/threads.ts";
import { seededRandom } from "../random.ts";
import { DEFAULT_EOT, type EotOptions, sampleTransform, validateEot } from "./eot.ts";
import { type BalanceMode, balanceMode, validateWeights } from "./ensemble_weights.ts";
import type { Objective } from "./types.ts";
import { ghostAt, type GhostRates, isGhostable } from "../models/ghost_erosion.ts";
import type { AdversarialView } from "./adversarial_view.ts";
import { applyRealChannel, sampleRealChannel, straightThrough } from "./real_channel.ts";
import { imageToTensor, tensorToImage } from "../image/rgb_image.ts";

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
  /** How members are weighed: "off" (default), "log" or "adaptive" (see ensemble_weights.ts). */
  balance?: BalanceMode;
  /** Old form of `balance: "log"` (each member's term log(1 + its hinge loss)); still works. */
  balanced?: boolean;
  /** Square each anchor's hinge: the anchors furthest over the threshold get the most push. */
  squaredHinge?: boolean;
  /** Robustness: average over random transforms (undefined = off). */
  eot?: Partial<EotOptions>;
  /** Seed of the transform sampling. */
  seed?: number;
  /**
   * Most images one detector forward/backward takes (photos x EOT samples); default: all
   * at once. Larger batches run in chunks whose activations are recomputed during the
   * backward pass, so memory stays that of one chunk (for GPUs; see src/gpu/batch_size.ts).
   */
  batchSize?: number;
  /**
   * Threads computing the detectors' forward and backward passes, the main one included
   * (wasm and cpu backends): default EQUALAIS_THREADS, else the machine's cores, at most 4.
   * An ensemble is spread member by member, a single detector's batch in parts.
   */
  threads?: number;
}

/**
 * Builds the ensemble objective.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { loadWhiteBoxDetector } from "../detectors/registry.ts";
 * import { readImage } from "../image/decode.ts";
 * import { imageToTensor } from "../image/rgb_image.ts";
 * import { Perturbation } from "./perturbation.ts";
 * import { pgd } from "./pgd.ts";
 * import { detectionObjective } from "./objective.ts";
 * await initBackend("wasm");
 * const detector = await loadWhiteBoxDetector("blazeface-front");
 * const clean = imageToTensor(await readImage("data/dev/tom-cruise-2014-w128.jpg"));
 * const objective = detectionObjective([{ detector, weight: 1 }], { margin: 2 });
 * const perturbation = new Perturbation(clean.shape);
 * const losses: number[] = [];
 * const onStep = (_step: number, loss: number) => losses.push(loss);
 * const result = await pgd({ clean, objective, perturbation, onStep }, { eps: 8, steps: 3 });
 * assert.ok(losses[0] > 0 && losses.at(-1)! < losses[0]); // a face is seen, then less so
 * objective.dispose?.();
 * perturbation.dispose();
 * tf.dispose([clean, result.adversarial]);
 * ```
 */
export function detectionObjective(
  members: EnsembleMember[],
  options: DetectionObjectiveOptions = {},
): Objective {
  if (members.length === 0) throw new RangeError("the objective needs at least one detector");
  validateWeights(members.map((m) => ({ id: m.detector.id, weight: m.weight })));
  const balance = balanceMode(options);
  const margin = options.margin ?? 2;
  const batchSize = options.batchSize;
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new RangeError(`batchSize must be a whole number >= 1, got ${batchSize}`);
  }
  const eot = options.eot ? { ...DEFAULT_EOT, ...options.eot } : undefined;
  if (eot) validateEot(eot);
  const random = seededRandom(options.seed ?? 0);
  const terms = new ParallelTerms(members, {
    margin,
    balance,
    squared: options.squaredHinge,
    chunk: batchSize,
    threads: gradientThreads(options.threads),
    expectedBatch: eot ? (eot.includeOriginal ? 1 : 0) + eot.samples : 1,
  });
  // BPDA: per detector, the current photo after real channels, at the detector's input size.
  let channelled = new Map<string, tf.Tensor4D>();
  // The candidate's bytes, one array per photo, reused every step: fresh full-resolution
  // arrays cost page faults each time.
  const photoBytes: Uint8Array[] = [];
  const dropChannelled = () => {
    for (const t of channelled.values()) t.dispose();
    channelled = new Map();
  };
  // Only BPDA needs work outside the tape; without prepare() the attack loop skips the
  // full-resolution candidate it would otherwise build every step.
  const prepare = eot?.mode === "bpda"
    ? async (candidate: tf.Tensor4D): Promise<void> => {
      dropChannelled();
      // A failed encode or decode half-way through a batch must not strand what came before.
      const outputs: tf.Tensor4D[] = [];
      try {
        const photos = [];
        for (let b = 0; b < candidate.shape[0]; b++) {
          const one = candidate.shape[0] === 1
            ? candidate
            : tf.tidy(() => candidate.slice([b, 0, 0, 0], [1, -1, -1, -1]));
          try {
            const photo = await tensorToImage(one, photoBytes[b]);
            photoBytes[b] = photo.data;
            photos.push(photo);
          } finally {
            if (one !== candidate) one.dispose();
          }
        }
        // Sample-major, like the copies of the clean view in loss(): every photo of a batch
        // goes through the same channels, as each would alone with the same seed.
        for (let i = 0; i < eot.samples; i++) {
          const channel = sampleRealChannel(random, eot.jpegQuality, eot.scale);
          for (const photo of photos) {
            outputs.push(imageToTensor(await applyRealChannel(photo, channel)));
          }
        }
        for (const m of members) {
          const shape = inputShape(m.detector, candidate.shape[1], candidate.shape[2]);
          channelled.set(
            m.detector.id,
            tf.tidy(() => tf.concat(outputs.map((o) => tf.image.resizeBilinear(o, shape)))),
          );
        }
      } catch (error) {
        dropChannelled(); // a partial set would feed some members and not others
        throw error;
      } finally {
        tf.dispose(outputs);
      }
    }
    : undefined;
  // Model augmentation: this attack's ghost rates, while it runs (see setGhost).
  let ghost: GhostRates | undefined;
  const erode = (rates: GhostRates | undefined, step: number) => {
    const samples = members.map((_, i) => rates && ghostAt(rates, step, i));
    members.forEach((m, i) => {
      if (isGhostable(m.detector)) m.detector.setGhost(samples[i]);
    });
    return samples;
  };
  return {
    prepare,
    setGhost(rates: GhostRates | undefined): void {
      for (const m of rates ? members : []) {
        if (!isGhostable(m.detector)) {
          throw new RangeError(`ghostDropout/ghostSkip: ${m.detector.id} cannot be eroded yet`);
        }
      }
      ghost = rates;
      if (!rates) erode(undefined, 0);
    },
    loss(view: AdversarialView, step: number): tf.Scalar {
      // This step's ghosts: set here for the main thread, sent with the batches to workers.
      const ghosts = ghost ? erode(ghost, step) : undefined;
      // Sample in JS outside tidy so the stream advances identically every step.
      const transforms = eot?.mode === "differentiable"
        ? Array.from({ length: eot.samples }, () => sampleTransform(random, eot))
        : [];
      return tf.tidy(() => {
        // Differentiable transforms run once, at the working resolution, for all detectors.
        const [H, W] = view.photoSize;
        const side = eot?.workingSide || Math.max(H, W);
        const scale = Math.min(1, side / Math.max(H, W));
        const working = transforms.length
          ? view.resized(Math.round(H * scale), Math.round(W * scale))
          : undefined;
        const transformed = transforms.map((t) => t.apply(working!));
        const batches = members.map((m) => {
          const shape = inputShape(m.detector, H, W);
          // The untransformed photo exactly as the detector's own resize sees it.
          const exact = view.resized(...shape);
          const parts: tf.Tensor4D[] = [];
          if (!eot || eot.includeOriginal) parts.push(exact);
          parts.push(...transformed.map((t) => tf.image.resizeBilinear(t, shape)));
          const real = channelled.get(m.detector.id);
          if (real) {
            const samples = real.shape[0] / exact.shape[0];
            const copies = tf.concat(Array(samples).fill(exact)) as tf.Tensor4D;
            parts.push(straightThrough(copies, real));
          }
          return parts.length === 1 ? parts[0] : tf.concat(parts) as tf.Tensor4D;
        });
        return terms.sum(batches, ghosts);
      });
    },
    remoteLoss: () => terms.remoteValue(),
    dispose() {
      terms.dispose();
      dropChannelled();
    },
  };
}

/** The size a detector takes a height x width photo at: its own shape, else its square. */
function inputShape(detector: WhiteBoxDetector, height: number, width: number): [number, number] {
  return detector.inputShape?.(height, width) ?? [detector.inputSize, detector.inputSize];
}
