/**
 * Choosing and starting the TensorFlow.js backend.
 *
 * With no choice given, `webgpu` runs where WebGPU offers a hardware GPU adapter and
 * `wasm` (SIMD kernels shipped inside the npm package) everywhere else: a software
 * adapter such as Mesa's llvmpipe is never chosen automatically (it is correct but far
 * slower than wasm). `cpu` always works, `webgpu` can be asked for on any adapter, and
 * `tensorflow` (tfjs-node) is used only when asked for and loadable. Whatever runs,
 * and on which adapter, is reported back so every result can say what made it.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { UserError } from "./errors.ts";
import { registerGradientShims } from "./gradients/register.ts";
import { registerSharingWasmIdentity } from "./kernels/wasm_identity.ts";
import { registerInPlaceWasmSlice } from "./kernels/wasm_slice.ts";
import { parseWasmThreads, useThreadedWasm, wasmThreadsCount } from "./kernels/threaded_wasm.ts";
import { type GpuAdapterReport, probeGpuAdapter } from "./gpu/adapter.ts";
import { WEBGPU, webgpuAdapter } from "./gpu/webgpu_backend.ts";

/** Backends a user may ask for. */
export const BACKEND_NAMES = ["wasm", "cpu", "tensorflow", "webgpu"] as const;

/** A backend a user may ask for. */
export type BackendName = typeof BACKEND_NAMES[number];

/** A request: a backend by name, or `auto` (webgpu on a hardware GPU, else wasm). */
export type BackendRequest = BackendName | "auto";

/** What actually runs: the backend's name and, if the request could not be met, why. */
export interface BackendInfo {
  /** The backend that is active now. */
  name: BackendName;
  /** The backend the user asked for (flag, environment or default `auto`). */
  requested: BackendRequest;
  /** Set when the requested backend could not be used and another one runs instead. */
  fallbackReason?: string;
  /** Whether the wasm backend runs with SIMD instructions. */
  simd?: boolean;
  /** XNNPACK threads inside the wasm backend (1 unless EQUALAIS_WASM_THREADS asks more). */
  wasmThreads?: number;
  /** The WebGPU adapter: the one webgpu runs on, or the one `auto` found and passed over. */
  adapter?: GpuAdapterReport;
  /** How `auto` decided, e.g. "no hardware GPU: llvmpipe (...) is a CPU renderer; wasm". */
  autoChoice?: string;
}

/** The environment variable that selects a backend when no flag is given. */
export const BACKEND_ENV = "EQUALAIS_BACKEND";

/**
 * The environment variable that runs the wasm backend's convolutions on several threads
 * (tfjs's threaded build); default 1, since the attacks already spread detectors and
 * images over gradient workers, one per core.
 */
export const WASM_THREADS_ENV = "EQUALAIS_WASM_THREADS";

/** Options of initBackend. */
export interface BackendOptions {
  /** XNNPACK threads for wasm; default EQUALAIS_WASM_THREADS, else 1. */
  wasmThreads?: number;
}

/** Intra-op wasm threads: the option, else EQUALAIS_WASM_THREADS, else 1. */
export function requestedWasmThreads(option?: number): number {
  if (option !== undefined) return parseWasmThreads(option, "wasmThreads");
  const fromEnv = Deno.env.get(WASM_THREADS_ENV);
  return fromEnv ? parseWasmThreads(fromEnv, WASM_THREADS_ENV) : 1;
}

/** Checks a backend name from a flag or the environment; throws a UserError naming valid ones. */
export function parseBackendName(value: string, source = "--backend"): BackendRequest {
  const name = value.trim().toLowerCase();
  if (name === "auto" || (BACKEND_NAMES as readonly string[]).includes(name)) {
    return name as BackendRequest;
  }
  throw new UserError(
    `unknown backend "${value}" from ${source}; choose one of ${BACKEND_NAMES.join(", ")} or auto`,
  );
}

/** Resolves the requested backend: the flag wins, then EQUALAIS_BACKEND, then `auto`. */
export function requestedBackend(flag?: string): BackendRequest {
  if (flag !== undefined && flag !== "") return parseBackendName(flag);
  const fromEnv = Deno.env.get(BACKEND_ENV);
  if (fromEnv) return parseBackendName(fromEnv, BACKEND_ENV);
  return "auto";
}

/** `auto`'s rule: webgpu only on a hardware adapter, otherwise wasm; with the reason. */
export function autoBackend(
  probe: { found: GpuAdapterReport } | { unavailable: string },
): { name: BackendName; why: string } {
  if ("unavailable" in probe) {
    return { name: "wasm", why: `no WebGPU adapter (${probe.unavailable})` };
  }
  const adapter = probe.found;
  if (adapter.software) {
    return {
      name: "wasm",
      why: `no hardware GPU: WebGPU offers only ${adapter.name} (${adapter.softwareReason})`,
    };
  }
  return { name: "webgpu", why: `hardware GPU adapter ${adapter.name}` };
}

/**
 * One line naming what runs, e.g. "webgpu (NVIDIA H200)" or "wasm".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backendLabel } from "./backend.ts";
 * assert.equal(backendLabel({ name: "wasm", requested: "auto" }), "wasm");
 * const adapter = { name: "NVIDIA H200", vendor: "nvidia", software: false };
 * const label = backendLabel({ name: "webgpu", requested: "auto", adapter });
 * assert.equal(label, "webgpu (NVIDIA H200)");
 * ```
 */
export function backendLabel(info: BackendInfo): string {
  return info.name === "webgpu" && info.adapter ? `webgpu (${info.adapter.name})` : info.name;
}

let active: BackendInfo | undefined;

/**
 * Starts the requested backend (once per process; later calls with another name switch).
 * Falls back from `webgpu` and `tensorflow` to `wasm`, and from `wasm` to `cpu`, with a
 * reason. With `options.wasmThreads` (else EQUALAIS_WASM_THREADS) above 1, wasm is tfjs's
 * threaded build with that many XNNPACK threads; a process keeps the count it started with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "./backend.ts";
 * const info = await initBackend("wasm");
 * assert.equal(info.requested, "wasm");
 * assert.equal(info.name, "wasm"); // or "cpu", with info.fallbackReason saying why
 * ```
 */
export async function initBackend(
  flag?: string,
  options: BackendOptions = {},
): Promise<BackendInfo> {
  const requested = requestedBackend(flag);
  const wasmThreads = requestedWasmThreads(options.wasmThreads);
  if (
    active && active.requested === requested && tf.getBackend() === active.name &&
    (active.name !== "wasm" || active.wasmThreads === wasmThreads)
  ) return active;
  let fallbackReason: string | undefined;
  let autoChoice: string | undefined;
  let adapter: GpuAdapterReport | undefined;
  let name: BackendName;
  if (requested === "auto") {
    const probe = await probeGpuAdapter();
    if ("found" in probe) adapter = probe.found;
    const choice = autoBackend(probe);
    name = choice.name;
    autoChoice = `${choice.why}; using ${name}`;
  } else name = requested;
  if (name === "tensorflow") {
    const loaded = await tryLoadTfjsNode();
    if (loaded !== true) {
      fallbackReason = `backend "tensorflow" is unavailable (${loaded}); using wasm`;
      name = "wasm";
    }
  }
  if (name === "webgpu") {
    const started = await tf.setBackend(WEBGPU).catch(() => false);
    adapter = webgpuAdapter() ?? adapter;
    if (!started) {
      const probe = await probeGpuAdapter();
      const why = "unavailable" in probe ? probe.unavailable : "its adapter failed to start";
      fallbackReason = `backend "webgpu" is unavailable (${why}); using wasm`;
      name = "wasm";
    }
  }
  if (name === "wasm" && wasmThreads > 1) await useThreadedWasm(wasmThreads);
  if (name === "wasm" && !(await tf.setBackend("wasm"))) {
    fallbackReason = `${fallbackReason ?? ""}backend "wasm" failed to start; using cpu`;
    name = "cpu";
  }
  if (name !== "wasm" && name !== "webgpu" && !(await tf.setBackend(name))) {
    throw new UserError(`backend "${name}" failed to start`);
  }
  await tf.ready();
  if (name === "wasm" && wasmThreadsCount() !== wasmThreads) {
    throw new UserError(
      `the wasm backend runs with ${wasmThreadsCount()} thread(s), not the ${wasmThreads} asked for; ` +
        "one process keeps the count it started with",
    );
  }
  // Silences tfjs's console advice (e.g. "install tfjs-node") that would mix with our output.
  tf.env().set("PROD", true);
  registerGradientShims();
  registerSharingWasmIdentity();
  registerInPlaceWasmSlice();
  active = {
    name,
    requested,
    fallbackReason,
    simd: name === "wasm" ? tf.env().getBool("WASM_HAS_SIMD_SUPPORT") : undefined,
    wasmThreads: name === "wasm" ? wasmThreadsCount() : undefined,
    adapter,
    autoChoice,
  };
  return active;
}

/**
 * The backend started by initBackend, or undefined before it ran.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { activeBackend, initBackend } from "./backend.ts";
 * const info = await initBackend("wasm");
 * assert.equal(activeBackend(), info);
 * ```
 */
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
