/**
 * Messages between the server and its protection worker.
 */
import type { FilterProgress, FilterReport } from "../protect/filter.ts";

/** From the server to the worker. */
export type ToWorker =
  | {
    /** Protect one photo. */
    type: "protect";
    /** Job number, echoed in every answer. */
    id: number;
    /** The photo (transferred, not copied). */
    bytes: Uint8Array;
    /** Strength preset id. */
    preset?: string;
    /** TensorFlow.js backend name (default: EQUALAIS_BACKEND or wasm). */
    backend?: string;
  }
  | {
    /** Cancel a job (running or not yet started). */
    type: "abort";
    /** Job number. */
    id: number;
    /** Why, for the error message. */
    reason: string;
  }
  | {
    /** Start the backend and load the detectors before the first photo arrives. */
    type: "warmup";
    /** TensorFlow.js backend name. */
    backend?: string;
  };

/** Why a job failed: the user's photo or option, a cancellation, or a bug. */
export interface WorkerFailure {
  /** user: the photo or an option is at fault; abort: cancelled; internal: anything else. */
  kind: "user" | "abort" | "internal";
  /** One line. */
  message: string;
}

/** From the worker to the server. */
export type FromWorker =
  | { type: "progress"; id: number; progress: FilterProgress }
  | {
    type: "done";
    id: number;
    bytes: Uint8Array;
    contentType: string;
    format: string;
    report: FilterReport;
  }
  | { type: "failed"; id: number; failure: WorkerFailure }
  | { type: "ready"; error?: string };
