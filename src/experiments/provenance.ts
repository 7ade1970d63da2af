/**
 * Where a result came from: code version, library versions, backend and machine. Every
 * sweep's run.json and every result row carry it.
 */
import { workingTreeVersion } from "./code_version.ts";
import * as tf from "@tensorflow/tfjs";
import { PROJECT_ROOT } from "../paths.ts";
import { gradientThreads } from "../parallel/threads.ts";

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
  /** Machine facts. */
  machine: { cores: number; cpu: string; os: string; memory_gib: number };
}

async function packageVersion(name: string): Promise<string> {
  try {
    const json = JSON.parse(
      await Deno.readTextFile(`${PROJECT_ROOT}/node_modules/${name}/package.json`),
    );
    return json.version;
  } catch {
    return "unknown";
  }
}

async function cpuModel(): Promise<string> {
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    return info.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Collects the provenance of the current process. */
export async function collectProvenance(backend: string, adapter?: string): Promise<Provenance> {
  return {
    code_version: await workingTreeVersion(),
    versions: {
      deno: Deno.version.deno,
      tfjs: tf.version.tfjs,
      human: await packageVersion("@vladmandic/human"),
      sharp: await packageVersion("sharp"),
    },
    backend,
    ...(adapter ? { adapter } : {}),
    threads: gradientThreads(),
    machine: {
      cores: navigator.hardwareConcurrency,
      cpu: await cpuModel(),
      os: `${Deno.build.os} ${Deno.build.arch}`,
      memory_gib: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
    },
  };
}
