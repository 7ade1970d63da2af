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
import { offloadPlan, type PlannedPart, threadsUsed } from "./offload_plan.ts";
import { RemoteTerm } from "./remote_term.ts";
import { type GradientWorker, gradientWorkers } from "./gradient_workers.ts";

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
   * Each member's term is log(1 + hinge) (see memberLoss); a member split over threads
   * takes the logarithm of each part's share.
   */
  balanced?: boolean;
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

  /** Starts the workers (and their detector loading) the expected batch will use. */
  constructor(members: readonly WeightedDetector[], options: ParallelTermsOptions) {
    this.#members = members;
    // A worker loads its detectors by id: one built by hand stays on the main thread.
    const loadable = members.every((m) => isRegistryDetector(m.detector));
    this.#options = { ...options, threads: loadable ? options.threads : 1 };
    const plan = this.#plan(members.map(() => options.expectedBatch));
    const workers = this.#workers(plan);
    for (const part of plan) {
      if (part.thread > 0) workers[part.thread - 1].preload([members[part.member].detector.id]);
    }
  }

  /** The weighted sum of every member's hinge loss on its batch (`batches[m]`). */
  sum(batches: readonly tf.Tensor4D[]): tf.Scalar {
    const { margin, chunk, balanced, squared } = this.#options;
    const plan = this.#plan(batches.map((b) => b.shape[0]));
    const workers = this.#workers(plan);
    this.#used = [];
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
        const weight = this.#members[p.member].weight ?? 1;
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
            margin,
            scale: scaleOf(p),
            chunk,
            balanced,
            squared,
          });
          this.#remote.set(key, term);
        }
        this.#used.push(term);
        return term.apply(inputs.get(p)!);
      });
      const localTerms = plan.filter((p) => p.thread === 0).map((p) =>
        memberLoss(this.#members[p.member].detector, inputs.get(p)!, {
          margin,
          chunk,
          balanced,
          squared,
        })
          .mul(scaleOf(p))
      );
      const terms = [...localTerms, ...remoteTerms];
      return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
    });
  }

  /** The workers' share of the last sum's value (waits for any that has not answered). */
  remoteValue(): number {
    return this.#used.reduce((total, term) => total + term.value(), 0);
  }

  /**
   * Waits for unanswered requests, so no worker writes into memory nobody reads. It never
   * throws: it runs in `finally` blocks, where it must not hide the error being reported.
   */
  dispose(): void {
    for (const term of this.#remote.values()) term.settle();
    this.#remote.clear();
    this.#used = [];
  }

  #plan(batches: readonly number[]): PlannedPart[] {
    const loads = this.#members.map((m, i) => ({
      inputSize: m.detector.inputSize,
      batch: batches[i],
    }));
    return offloadPlan(loads, this.#options.threads);
  }

  // The workers a plan uses (none when it keeps everything on the main thread).
  #workers(plan: readonly PlannedPart[]): GradientWorker[] {
    const threads = threadsUsed(plan);
    return threads > 1 ? gradientWorkers(threads - 1, tf.getBackend()) : [];
  }
}
