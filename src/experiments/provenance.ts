/**
 * Where a result came from: code version, library versions, backend and machine. Every
 * sweep's run.json and every result row carry it. A fact that cannot be found is
 * "unknown", never silently: the reason goes to stderr (once) and into
 * `provenance_warnings`.
 */
import { codeVersion } from "./code_version.ts";
import { warnOnce } from "./warn_once.ts";
import * as tf from "@tensorflow/tfjs";
import { PROJECT_ROOT } from "../paths.ts";
import { gradientThreads } from "../parallel/threads.ts";
import { activeBackend } from "../backend.ts";

/** Versions and environment of a run. */
export interface Provenance {
  /** Git commit of the code, with "+dirty" when the tree had uncommitted changes. */
  code_version: string;
  /** Library versions. */
  versions: { deno: string; tfjs: string; human: string; sharp: string };
  /** tfjs backend that ran. */
  backend: string;
  /** The WebGPU adapter it ran on (webgpu only), e.g. "NVIDIA H200". */
  adapter?: string;
  /**
   * Threads the attack objective's detector passes ran on (see src/parallel/threads.ts).
   * Only a single detector's batch split over threads can change results, by float rounding.
   */
  threads: number;
  /** XNNPACK threads inside the wasm backend, present when more than one (EQUALAIS_WASM_THREADS). */
  wasm_threads?: number;
  /** Machine facts. */
  machine: { cores: number; cpu: string; os: string; memory_gib: number };
  /** Why a field above is "unknown" (present only when one is). */
  provenance_warnings?: string[];
}

/** A found value, or "unknown" with the reason. */
export type Found = { value: string } | { unknown: string };

async function packageVersion(name: string): Promise<Found> {
  const path = `${PROJECT_ROOT}/node_modules/${name}/package.json`;
  try {
    const version = JSON.parse(await Deno.readTextFile(path)).version;
    if (typeof version === "string") return { value: version };
    return { unknown: `${name} version unknown: ${path} has no "version"` };
  } catch (error) {
    return { unknown: `${name} version unknown: ${path}: ${(error as Error).message}` };
  }
}

/** The CPU's model name from /proc/cpuinfo (x86 Linux writes one; ARM often does not). */
export function cpuModelFrom(cpuinfo: string): Found {
  const model = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim();
  return model ? { value: model } : { unknown: "cpu model unknown: /proc/cpuinfo names none" };
}

async function cpuModel(): Promise<Found> {
  try {
    return cpuModelFrom(await Deno.readTextFile("/proc/cpuinfo"));
  } catch (error) {
    return { unknown: `cpu model unknown: /proc/cpuinfo: ${(error as Error).message}` };
  }
}

/** Collects the provenance of the current process. */
export async function collectProvenance(backend: string, adapter?: string): Promise<Provenance> {
  const warnings: string[] = [];
  const value = (found: Found): string => {
    if ("value" in found) return found.value;
    warnOnce(found.unknown);
    warnings.push(found.unknown);
    return "unknown";
  };
  const code = await codeVersion();
  if (code.warning) warnings.push(code.warning);
  const versions = {
    deno: Deno.version.deno,
    tfjs: tf.version.tfjs,
    human: value(await packageVersion("@vladmandic/human")),
    sharp: value(await packageVersion("sharp")),
  };
  return {
    code_version: code.version,
    versions,
    backend,
    ...(adapter ? { adapter } : {}),
    threads: gradientThreads(),
    ...wasmThreadsField(backend),
    machine: {
      cores: navigator.hardwareConcurrency,
      cpu: value(await cpuModel()),
      os: `${Deno.build.os} ${Deno.build.arch}`,
      memory_gib: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
    },
    ...(warnings.length ? { provenance_warnings: warnings } : {}),
  };
}

// Recorded only when it differs from tfjs's own build, so earlier rows stay comparable.
function wasmThreadsField(backend: string): { wasm_threads?: number } {
  const threads = backend.startsWith("wasm") ? activeBackend()?.wasmThreads : undefined;
  return threads !== undefined && threads > 1 ? { wasm_threads: threads } : {};
}
