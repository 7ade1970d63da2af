/**
 * How many threads compute the objective's gradients: the main thread plus gradient
 * workers, each with its own tfjs (single-threaded unless EQUALAIS_WASM_THREADS starts
 * tfjs's threaded wasm build, which splits each convolution instead; see backend.ts).
 * Only the wasm and cpu backends use workers; a GPU backend already runs the whole batch
 * at once.
 */
import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors.ts";

/** The environment variable that sets the thread count when no option does. */
export const THREADS_ENV = "EQUALAIS_THREADS";

/** Most threads chosen automatically (each worker holds its own models). */
const AUTO_LIMIT = 4;

/** Checks a thread count; throws a UserError naming where it came from. */
export function parseThreads(value: string | number, source: string): number {
  const threads = Number(value);
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 64)) {
    throw new UserError(`${source} must be a whole number from 1 to 64, got "${value}"`);
  }
  return threads;
}

/**
 * Threads to use: the option, else EQUALAIS_THREADS, else the machine's cores (at most
 * 4); always 1 on backends other than wasm and cpu.
 */
export function gradientThreads(requested?: number): number {
  const backend = tf.getBackend();
  if (backend !== "wasm" && backend !== "cpu") return 1;
  if (requested !== undefined) return parseThreads(requested, "threads");
  const fromEnv = Deno.env.get(THREADS_ENV);
  if (fromEnv) return parseThreads(fromEnv, THREADS_ENV);
  return Math.max(1, Math.min(AUTO_LIMIT, navigator.hardwareConcurrency || 1));
}
