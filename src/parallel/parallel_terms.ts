/**
 * The objective's sum of per-detector hinge terms, spread over threads by offloadPlan:
 * parts on workers are recorded on the tape first (their forward pass only sends the
 * batch), then the main thread's parts, so tfjs's backward pass reaches the workers'
 * gradients last, after the main thread has done its own share.
 */
import * as tf from "@tensorflow/tfjs";
import type { WhiteBoxDetector } from "../detectors/types.ts";
import { isRegistryDetector } from "../detectors/registry.ts";
import { memberLoss } from "../detectors/hinge_loss.ts";
import {
  DEFAULT_STEP_MS_PER_MEGAPIXEL,
  offloadPlan,
  type PlannedPart,
  threadsUsed,
} from "./offload_plan.ts";
import { RemoteTerm } from "./remote_term.ts";
import type { GhostSample } from "../models/ghost_erosion.ts";
import { type GradientWorker, gradientWorkers } from "./gradient_workers.ts";
import { AdaptiveWeights, type BalanceMode } from "../attacks/ensemble_weights.ts";

/** One weighted detector. */
export interface WeightedDetector {
  /** The detector. */
  detector: WhiteBoxDetector;
  /** Its weight (default 1). */
  weight?: number;
}

/** How the terms are computed. */
export interface ParallelTermsOptions {
  /** Hinge margin. */
  margin: number;
  /** Most images per detector forward/backward (see chunkedHingeLoss). */
  chunk?: number;
  /**
   * How members are weighed (see ensemble_weights.ts; default "off"). With "log" each
   * member's term is log(1 + hinge) (see memberLoss), and a member split over threads takes
   * the logarithm of each part's share; with "adaptive" the weights move every step.
   */
  balance?: BalanceMode;
  /** Squared hinge per anchor (see hingeLoss). */
  squared?: boolean;
  /** Threads, main one included (1: everything on the main thread). */
  threads: number;
  /** Images each detector is expected to see per step, to start the right workers early. */
  expectedBatch: number;
}

/** The weighted sum of the members' hinge losses, computed on several threads. */
export class ParallelTerms {
  readonly #members: readonly WeightedDetector[];
  readonly #options: ParallelTermsOptions;
  readonly #remote = new Map<string, RemoteTerm>();
  #used: RemoteTerm[] = [];
  // Adaptive mode: the weights, the last sum's multipliers, its local terms per member
  // (kept to read their values) and whether those values were read.
  readonly #adaptive?: AdaptiveWeights;
  #multipliers: number[];
  #localTerms: { member: number; term: tf.Scalar }[] = [];
  #observed = true;
  #correction = 0;
  // The plan of the first step for each set of batch counts, kept: shapes that change from
  // step to step (scale diversity) must not move members between threads.
  readonly #plans = new Map<string, PlannedPart[]>();

  /** Starts the workers (and their detector loading) the expected batch will use. */
  constructor(members: readonly WeightedDetector[], options: ParallelTermsOptions) {
    this.#members = members;
    // A worker loads its detectors by id: one built by hand stays on the main thread.
    const loadable = members.every((m) => isRegistryDetector(m.detector));
    this.#options = { ...options, threads: loadable ? options.threads : 1 };
    const base = members.map((m) => m.weight ?? 1);
    if (options.balance === "adaptive") this.#adaptive = new AdaptiveWeights(base);
    this.#multipliers = base;
    // Before the photo is known, inputs at the detectors' nominal sizes.
    const plan = this.#plan(members.map(({ detector }) => ({
      count: options.expectedBatch,
      height: detector.inputSize,
      width: detector.inputSize,
    })));
    const workers = this.#workers(plan);
    for (const part of plan) {
      if (part.thread > 0) workers[part.thread - 1].preload([members[part.member].detector.id]);
    }
  }

  /**
   * The weighted sum of every member's hinge loss on its batch (`batches[m]`). With adaptive
   * weights its gradient follows this step's weights, and its value (with remoteValue())
   * is the fixed-normalisation sum (see AdaptiveWeights).
   */
  sum(
    batches: readonly tf.Tensor4D[],
    ghosts?: readonly (GhostSample | undefined)[],
  ): tf.Scalar {
    if (this.#adaptive) {
      this.#observe();
      this.#multipliers = this.#adaptive.multipliers();
    }
    const key = batches.map((b) => b.shape[0]).join();
    let plan = this.#plans.get(key);
    if (!plan) {
      plan = this.#plan(
        batches.map((b) => ({ count: b.shape[0], height: b.shape[1], width: b.shape[2] })),
      );
      this.#plans.set(key, plan);
    }
    const workers = this.#workers(plan);
    this.#used = [];
    this.#observed = !this.#adaptive;
    try {
      return this.#sum(batches, plan, workers, ghosts);
    } catch (error) {
      this.#observed = true; // a failed step has no values to learn from
      throw error;
    }
  }

  #sum(
    batches: readonly tf.Tensor4D[],
    plan: PlannedPart[],
    workers: GradientWorker[],
    ghosts?: readonly (GhostSample | undefined)[],
  ): tf.Scalar {
    const { margin, chunk, squared } = this.#options;
    const balanced = this.#options.balance === "log";
    return tf.tidy(() => {
      // Each part's images and its share of its member's mean. A split batch is cut with
      // one split (its gradient is one concat), not slices (each slice's gradient pads to
      // the whole batch before they are added).
      const inputs = new Map<PlannedPart, tf.Tensor4D>();
      batches.forEach((batch, member) => {
        const parts = plan.filter((p) => p.member === member);
        const pieces = parts.length === 1
          ? [batch]
          : tf.split(batch, parts.map((p) => p.count)) as tf.Tensor4D[];
        parts.forEach((p, i) => inputs.set(p, pieces[i]));
      });
      const scaleOf = (p: PlannedPart) => {
        const weight = this.#multipliers[p.member];
        const total = batches[p.member].shape[0];
        return p.count === total ? weight : weight * p.count / total;
      };
      const remoteTerms = plan.filter((p) => p.thread > 0).map((p) => {
        const key = `${p.member}:${p.start}:${p.count}:${p.thread}`;
        let term = this.#remote.get(key);
        // A worker that died was replaced: its terms go with it.
        if (!term || term.worker !== workers[p.thread - 1]) {
          term = new RemoteTerm(workers[p.thread - 1], {
            detector: this.#members[p.member].detector.id,
            member: p.member,
            margin,
            scale: scaleOf(p),
            chunk,
            balanced,
            squared,
          });
          this.#remote.set(key, term);
        }
        this.#used.push(term);
        // The member's ghost network of this step (the main thread's copy is set by the caller).
        return term.apply(inputs.get(p)!, scaleOf(p), ghosts?.[p.member]);
      });
      const localParts = plan.filter((p) => p.thread === 0);
      const localTerms = localParts.map((p) =>
        memberLoss(this.#members[p.member].detector, inputs.get(p)!, {
          margin,
          chunk,
          balanced,
          squared,
        })
          .mul(scaleOf(p)) as tf.Scalar
      );
      if (this.#adaptive) {
        tf.dispose(this.#localTerms.map((t) => t.term));
        this.#localTerms = localTerms.map((term, i) => ({
          member: localParts[i].member,
          // A copy: the sum may be this very tensor, which the caller disposes.
          term: tf.keep(term.clone()),
        }));
      }
      const terms = [...localTerms, ...remoteTerms];
      return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
    });
  }

  /**
   * What to add to the last sum's tensor value for the objective's value: the workers'
   * share (waits for any that has not answered) and, with adaptive weights, the difference
   * between the moving weights the gradient follows and the fixed normalisation.
   */
  remoteValue(): number {
    const remote = this.#used.reduce((total, term) => total + term.value(), 0);
    if (!this.#adaptive) return remote;
    this.#observe();
    return remote + this.#correction;
  }

  /** The multipliers of the members' hinge losses in the last sum (weights x balancing). */
  get multipliers(): readonly number[] {
    return this.#multipliers;
  }

  // Adaptive mode: reads the last sum's raw member losses once, gives them to the weights,
  // and works out the value correction.
  #observe(): void {
    if (this.#observed || !this.#adaptive) return;
    this.#observed = true;
    const weighted = this.#members.map(() => 0);
    for (const { member, term } of this.#localTerms) weighted[member] += term.dataSync()[0];
    for (const term of this.#used) weighted[term.member] += term.value();
    // A member's multiplier is > 0 unless its weight is 0; then its loss counts for nothing.
    const raw = weighted.map((v, i) => this.#multipliers[i] > 0 ? v / this.#multipliers[i] : 0);
    this.#adaptive.observe(raw);
    const moving = weighted.reduce((a, b) => a + b, 0);
    this.#correction = this.#adaptive.value(raw) - moving;
  }

  /**
   * Waits for unanswered requests, so no worker writes into memory nobody reads. It never
   * throws: it runs in `finally` blocks, where it must not hide the error being reported.
   */
  dispose(): void {
    for (const term of this.#remote.values()) term.settle();
    this.#remote.clear();
    this.#used = [];
    tf.dispose(this.#localTerms.map((t) => t.term));
    this.#localTerms = [];
  }

  // Members weighed by their measured step time at the size they are given: by input size
  // alone FaceBoxes (1024 px nominal, run at the photo's own size) looked 4x SSD and got a
  // worker to itself while SSD, Tiny and the rest queued on the main thread.
  #plan(inputs: readonly { count: number; height: number; width: number }[]): PlannedPart[] {
    const loads = this.#members.map(({ detector }, i) => {
      const { height, width, count } = inputs[i];
      const imageCost = detector.stepMs?.(height, width) ??
        DEFAULT_STEP_MS_PER_MEGAPIXEL * height * width / 1e6;
      return { imageCost, batch: count };
    });
    return offloadPlan(loads, this.#options.threads);
  }

  // The workers a plan uses (none when it keeps everything on the main thread).
  #workers(plan: readonly PlannedPart[]): GradientWorker[] {
    const threads = threadsUsed(plan);
    return threads > 1 ? gradientWorkers(threads - 1, tf.getBackend()) : [];
  }
}
