/** The messages the main thread posts to a gradient worker. */
import type { GhostSample } from "../models/ghost_erosion.ts";

/** Starts the worker's tfjs on the main thread's backend. */
export interface InitMessage {
  /** Message kind. */
  kind: "init";
  /** Backend name: "wasm" or "cpu". */
  backend: string;
}

/** Loads detectors ahead of their first request. */
export interface LoadMessage {
  /** Message kind. */
  kind: "load";
  /** White-box detector ids. */
  ids: string[];
}

/**
 * Computes `scale` x the hinge loss of one detector on the batch in `buffer` (see
 * GradientChannel) and its gradient with respect to that batch.
 */
export interface GradientMessage {
  /** Message kind. */
  kind: "gradient";
  /** The request's shared memory. */
  buffer: SharedArrayBuffer;
  /** White-box detector id. */
  detector: string;
  /** Batch shape [n, size, size, 3]. */
  shape: [number, number, number, number];
  /** Hinge margin below the detector's threshold. */
  margin: number;
  /** Multiplies loss and gradient (member weight, or a batch part's share). */
  scale: number;
  /** Most images per forward/backward (see chunkedHingeLoss). */
  chunk?: number;
  /** log(1 + hinge) instead of the hinge (see memberLoss). */
  balanced?: boolean;
  /** Squared hinge (see hingeLoss). */
  squared?: boolean;
  /** The ghost network to differentiate instead of the detector (model augmentation). */
  ghost?: GhostSample;
}

/**
 * Counts the faces a registry detector (white-box or not) finds on an RGB image, whose
 * bytes are in `buffer` (see GradientChannel.bytes): the count comes back as the value.
 * Judging a protected photo spreads its detectors over the threads this way.
 */
export interface CountFacesMessage {
  /** Message kind. */
  kind: "count-faces";
  /** The request's shared memory. */
  buffer: SharedArrayBuffer;
  /** Detector id. */
  detector: string;
  /** Image width in pixels. */
  width: number;
  /** Image height in pixels. */
  height: number;
}

/**
 * For tests of a worker's death: the next request (gradient or count) kills the worker instead of
 * being answered, by an uncaught error ("throw") or by ending the thread ("exit").
 */
export interface CrashMessage {
  /** Message kind. */
  kind: "crash";
  /** How the worker dies. */
  how: "throw" | "exit";
}

/** Anything the main thread posts. */
export type WorkerMessage =
  | InitMessage
  | LoadMessage
  | GradientMessage
  | CountFacesMessage
  | CrashMessage;

/** A message that waits for an answer in its shared buffer. */
export type RequestMessage = GradientMessage | CountFacesMessage;
