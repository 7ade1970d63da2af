/**
 * Model augmentation by erosion, "ghost networks": Li, Bai, Zhou, Qiao, Zhang and Yuille,
 * "Learning Transferable Adversarial Examples via Ghost Networks", AAAI 2020. Each attack
 * step differentiates a randomly eroded copy of a network instead of the network itself, an
 * ensemble of many models for the price of one:
 *
 * - dropout erosion: every intermediate feature map x becomes x * m / (1 - p), m ~
 *   Bernoulli(1 - p) per element, so its expected value is unchanged (the paper's Λ is 1 - p);
 * - skip-connection erosion: the identity input of every residual sum is multiplied by a
 *   scalar drawn uniformly from [1 - τ, 1 + τ] (the paper's λ), x + F(x) -> λ x + F(x).
 *
 * One ghost is drawn per sample seed and used for every image of the batch it is applied
 * to (one ghost network per step, whatever the batch holds), and a site's draw depends only
 * on (seed, site), so recomputing a forward pass (chunked gradients) gives the same ghost.
 * These functions serve graph models (ghost_graph.ts inserts them as ops) and hand-written
 * forwards alike (call them between layers, site numbers fixed per layer).
 */
import * as tf from "@tensorflow/tfjs";
import { seededRandom } from "../random.ts";

/** One ghost network: erosion rates and the seed that fixes its random draws. */
export interface GhostSample {
  /** Dropout rate p in [0, 1) on intermediate feature maps (0: none). */
  dropout: number;
  /** Skip erosion τ in [0, 1): identity inputs scaled by λ ~ U[1 - τ, 1 + τ] (0: none). */
  skip: number;
  /** Seed of this ghost's draws. */
  seed: number;
}

/** A detector whose differentiable forward pass can be eroded (see GhostSample). */
export interface Ghostable {
  /** Erode faceLogits with this ghost from now on; undefined restores the exact network. */
  setGhost(sample: GhostSample | undefined): void;
}

/** True when the detector has a ghost hook. */
export function isGhostable(detector: object): detector is Ghostable {
  return typeof (detector as Partial<Ghostable>).setGhost === "function";
}

/** Checks an erosion rate: a number in [0, 1); the error names the option. */
export function validateRate(name: string, rate: unknown): void {
  if (!(typeof rate === "number" && rate >= 0 && rate < 1)) {
    throw new RangeError(`${name} must be a rate in [0, 1), got ${JSON.stringify(rate)}`);
  }
}

/** The seed of one site's draws in a ghost: a mix of the ghost's seed and the site number. */
export function siteSeed(seed: number, site: number): number {
  const mixed = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(site + 1, 0x85ebca6b)) >>> 0;
  return seededRandom(mixed).seed();
}

/** Dropout erosion of feature map `x` at `site`: x * Bernoulli(1 - p) / (1 - p), one mask for the batch. */
export function dropoutErosion(x: tf.Tensor, sample: GhostSample | undefined, site: number) {
  if (!sample || sample.dropout === 0) return x;
  const p = sample.dropout;
  // Batch 1, broadcast: every image of the batch sees the same ghost network. Each cell is
  // dropped independently with probability p; the gaps between dropped cells are then
  // geometric, so drawing the gaps takes p N draws instead of N (the BlazeFace family has
  // ~5 million feature-map cells: tfjs's seeded randomUniform cost ~0.2 s a step).
  const shape = [1, ...x.shape.slice(1)];
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1 / (1 - p));
  const random = seededRandom(siteSeed(sample.seed, site));
  const logKeep = Math.log(1 - p);
  for (let i = -1;;) {
    // Cells kept before the next dropped one: P(k) = (1 - p)^k p.
    i += 1 + Math.floor(Math.log(1 - random.next()) / logKeep);
    if (i >= values.length) break;
    values[i] = 0;
  }
  return tf.tidy(() => x.mul(tf.tensor(values, shape)));
}

/** The skip-erosion scalar λ of `site`: uniform in [1 - τ, 1 + τ]; 1 without erosion. */
export function skipScalar(sample: GhostSample | undefined, site: number): number {
  if (!sample || sample.skip === 0) return 1;
  const u = seededRandom(siteSeed(sample.seed ^ 0x5bd1e995, site)).next();
  return 1 - sample.skip + 2 * sample.skip * u;
}

/** Skip erosion of the identity input `x` of a residual sum at `site`: λ x. */
export function skipErosion(x: tf.Tensor, sample: GhostSample | undefined, site: number) {
  const lambda = skipScalar(sample, site);
  return lambda === 1 ? x : tf.tidy(() => x.mul(lambda));
}

/** Rates and the seed of an attack's ghosts; each step and member gets its own ghost from them. */
export interface GhostRates {
  /** Dropout rate p in [0, 1). */
  dropout: number;
  /** Skip erosion τ in [0, 1). */
  skip: number;
  /** The attack's seed. */
  seed: number;
}

/** The ghost of ensemble member `member` at step `step`: a fresh network per step and member. */
export function ghostAt(rates: GhostRates, step: number, member: number): GhostSample {
  return {
    dropout: rates.dropout,
    skip: rates.skip,
    seed: siteSeed(siteSeed(rates.seed, step), member),
  };
}
