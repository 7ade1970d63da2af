/**
 * One part of the objective computed on a gradient worker, as an op on the main thread's
 * gradient tape. Its forward pass sends the batch and returns at once (value 0); its
 * backward pass, which tfjs runs after every op recorded later, waits for the worker's
 * input gradient. The main thread computes its own parts in between, so both threads
 * work at once. The loss value arrives with the gradient: read it with `value()`.
 */
import * as tf from "@tensorflow/tfjs";
import { copyToShared, tensorFromShared } from "./shared_tensor.ts";
import { GradientChannel } from "./gradient_channel.ts";
import type { GhostSample } from "../models/ghost_erosion.ts";
import type { GradientWorker } from "./gradient_workers.ts";

/**
 * Longest wait for one answer: covers a worker's start-up and model loading on a busy
 * machine. A worker that dies is reported at once by its supervisor; this only ends the
 * wait for one that hangs.
 */
const ANSWER_TIMEOUT_MS = 300_000;

/** What the worker computes: `scale` x the detector's hinge loss. */
export interface RemoteTermOptions {
  /** White-box detector id. */
  detector: string;
  /** Index of the ensemble member it belongs to (default 0). */
  member?: number;
  /** Hinge margin. */
  margin: number;
  /** Loss multiplier (member weight, times the part's share of a split batch); apply() may override it. */
  scale: number;
  /** Most images per forward/backward on the worker. */
  chunk?: number;
  /** log(1 + hinge) instead of the hinge (see memberLoss). */
  balanced?: boolean;
  /** Squared hinge (see hingeLoss). */
  squared?: boolean;
}

/** A hinge-loss term whose forward and backward pass run on a worker. */
export class RemoteTerm {
  readonly #worker: GradientWorker;
  readonly #options: RemoteTermOptions;
  #channel?: GradientChannel;
  #count = 0;
  #pending = false;
  #value = 0;

  /** A term of `options.detector` on `worker`. */
  constructor(worker: GradientWorker, options: RemoteTermOptions) {
    this.#worker = worker;
    this.#options = options;
  }

  /**
   * The term on `batch`, differentiable: a scalar placeholder of 0 (see value()). `scale`
   * replaces the options' multiplier for this request (adaptive weights change each step).
   */
  apply(batch: tf.Tensor4D, scale = this.#options.scale, ghost?: GhostSample): tf.Scalar {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const x = args[0] as tf.Tensor4D;
      this.#send(x, scale, ghost);
      return {
        value: tf.scalar(0),
        gradFunc: (dy: tf.Tensor) => {
          this.#receive();
          const gradient = this.#channel!.data(this.#count);
          return tf.tidy(() => tensorFromShared(gradient, x.shape).mul(dy));
        },
      };
    });
    return op(batch) as tf.Scalar;
  }

  /** Index of the ensemble member it belongs to. */
  get member(): number {
    return this.#options.member ?? 0;
  }

  /** The worker it runs on. */
  get worker(): GradientWorker {
    return this.#worker;
  }

  /** The loss value of the last apply(); waits for the worker if it has not answered. */
  value(): number {
    this.#receive();
    return this.#value;
  }

  #send(batch: tf.Tensor4D, scale: number, ghost?: GhostSample): void {
    this.#receive(); // an unanswered earlier request would write into the same memory
    this.#count = batch.size;
    if (!this.#channel || this.#channel.capacity < batch.size) {
      this.#channel = GradientChannel.withCapacity(batch.size);
    }
    copyToShared(batch, this.#channel.data(batch.size));
    this.#channel.open();
    // Throws at once when the worker is dead: nothing is then pending.
    this.#worker.post({
      kind: "gradient",
      buffer: this.#channel.buffer,
      detector: this.#options.detector,
      shape: batch.shape,
      margin: this.#options.margin,
      scale,
      chunk: this.#options.chunk,
      balanced: this.#options.balanced,
      squared: this.#options.squared,
      ghost,
    });
    this.#pending = true;
  }

  /**
   * Waits for an unanswered request, so the worker writes into no memory nobody reads;
   * a failure is not thrown here (the step that needed the answer reports it).
   */
  settle(): void {
    try {
      this.#receive();
    } catch {
      // Reported by value() or the backward pass, or nobody needs it any more.
    }
  }

  #receive(): void {
    if (!this.#pending) return;
    this.#pending = false;
    this.#value = this.#channel!.await(ANSWER_TIMEOUT_MS);
  }
}
