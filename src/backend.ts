/**
 * Choosing and starting the TensorFlow.js backend.
 *
 * `wasm` is the default (SIMD kernels shipped inside the npm package), `cpu` always
 * works, and `tensorflow` (tfjs-node) is used only when asked for and loadable.
 * Whatever runs is reported back so every result can say which backend made it.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { UserError } from "./errors.ts";
import { registerGradientShims } from "./gradients/register.ts";

/** Backends a user may ask for. */
export const BACKEND_NAMES = ["wasm", "cpu", "tensorflow"] as const;

/** A backend a user may ask for. */
export type BackendName = typeof BACKEND_NAMES[number];

/** What actually runs: the backend's name and, if the request could not be met, why. */
export interface BackendInfo {
  /** The backend that is active now. */
  name: BackendName;
  /** The backend the user asked for (flag, environment or default). */
  requested: BackendName;
  /** Set when the requested backend could not be used and another one runs instead. */
  fallbackReason?: string;
  /** Whether the wasm backend runs with SIMD instructions. */
  simd?: boolean;
}

/** The environment variable that selects a backend when no flag is given. */
export const BACKEND_ENV = "EQUALAIS_BACKEND";

/** Checks a backend name from a flag or the environment; throws a UserError naming valid ones. */
export function parseBackendName(value: string, source = "--backend"): BackendName {
  const name = value.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new UserError(
    `unknown backend "${value}" from ${source}; choose one of ${BACKEND_NAMES.join(", ")}`,
  );
}

/** Resolves the requested backend: the flag wins, then EQUALAIS_BACKEND, then wasm. */
export function requestedBackend(flag?: string): BackendName {
  if (flag !== undefined && flag !== "") return parseBackendName(flag);
  const fromEnv = Deno.env.get(BACKEND_ENV);
  if (fromEnv) return parseBackendName(fromEnv, BACKEND_ENV);
  return "wasm";
}

let active: BackendInfo | undefined;

/**
 * Starts the requested backend (once per process; later calls with another name switch).
 * Falls back from `tensorflow` to `wasm`, and from `wasm` to `cpu`, with a reason.
 */
export async function initBackend(flag?: string): Promise<BackendInfo> {
  const requested = requestedBackend(flag);
  if (active && active.requested === requested && tf.getBackend() === active.name) return active;
  let fallbackReason: string | undefined;
  let name: BackendName = requested;
  if (requested === "tensorflow") {
    const loaded = await tryLoadTfjsNode();
    if (loaded !== true) {
      fallbackReason = `backend "tensorflow" is unavailable (${loaded}); using wasm`;
      name = "wasm";
    }
  }
  if (name === "wasm" && !(await tf.setBackend("wasm"))) {
    fallbackReason = `${fallbackReason ?? ""}backend "wasm" failed to start; using cpu`;
    name = "cpu";
  }
  if (name !== "wasm" && !(await tf.setBackend(name))) {
    throw new UserError(`backend "${name}" failed to start`);
  }
  await tf.ready();
  // Silences tfjs's console advice (e.g. "install tfjs-node") that would mix with our output.
  tf.env().set("PROD", true);
  registerGradientShims();
  active = {
    name,
    requested,
    fallbackReason,
    simd: name === "wasm" ? tf.env().getBool("WASM_HAS_SIMD_SUPPORT") : undefined,
  };
  return active;
}

/** The backend started by initBackend, or undefined before it ran. */
export function activeBackend(): BackendInfo | undefined {
  return active;
}

async function tryLoadTfjsNode(): Promise<true | string> {
  try {
    // Optional: resolves only where a user added "@tensorflow/tfjs-node" to deno.json's
    // imports (it cannot be installed on every machine). A variable keeps it out of the
    // module graph, so type checks and the lock file do not need it.
    const specifier = "@tensorflow/tfjs-node";
    await import(specifier);
    return tf.findBackend("tensorflow") ? true : "tfjs-node loaded but registered no backend";
  } catch (error) {
    return `tfjs-node could not be loaded: ${String(error).split("\n")[0].slice(0, 160)}`;
  }
}
