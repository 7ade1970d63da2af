/**
 * How many images a GPU batch can take: the memory one image's attack step needs
 * (measured on the running backend) against the memory the GPU has free, and the
 * largest single buffer WebGPU allows.
 *
 * WebGPU cannot report free memory. The budget comes from EQUALAIS_GPU_MEMORY_MIB when
 * set, else from `nvidia-smi` on NVIDIA machines, else from system memory for a software
 * adapter (it allocates there), else an assumed 2 GiB (said so in the report).
 */
import * as tf from "@tensorflow/tfjs";
import type { GpuAdapterReport } from "./adapter.ts";

/** The environment variable that states the GPU memory to plan with, in MiB. */
export const GPU_MEMORY_ENV = "EQUALAIS_GPU_MEMORY_MIB";

/** Memory to plan a batch with, and where the figure came from. */
export interface MemoryBudget {
  /** Bytes available to one process's batches. */
  bytes: number;
  /** e.g. "nvidia-smi (free memory)". */
  source: string;
}

/** The most images one batch takes, whatever the memory. */
export const MAX_BATCH = 128;

const ASSUMED_BYTES = 2 * 2 ** 30;

/** Free GPU memory from nvidia-smi (smallest over the GPUs), or undefined. */
async function nvidiaFreeBytes(): Promise<number | undefined> {
  try {
    const out = await new Deno.Command("nvidia-smi", {
      args: ["--query-gpu=memory.free", "--format=csv,noheader,nounits"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return undefined;
    const mib = new TextDecoder().decode(out.stdout).trim().split("\n").map(Number)
      .filter((v) => Number.isFinite(v) && v > 0);
    return mib.length ? Math.min(...mib) * 2 ** 20 : undefined;
  } catch {
    return undefined;
  }
}

/** The memory budget for batches on the given adapter. */
export async function gpuMemoryBudget(adapter?: GpuAdapterReport): Promise<MemoryBudget> {
  const stated = Deno.env.get(GPU_MEMORY_ENV);
  if (stated) {
    const mib = Number(stated);
    if (!(mib > 0)) throw new RangeError(`${GPU_MEMORY_ENV} must be a positive number of MiB`);
    return { bytes: mib * 2 ** 20, source: GPU_MEMORY_ENV };
  }
  if (adapter && !adapter.software) {
    const free = await nvidiaFreeBytes();
    if (free !== undefined) return { bytes: free, source: "nvidia-smi (free memory)" };
    return {
      bytes: ASSUMED_BYTES,
      source: `assumed 2 GiB (WebGPU cannot report memory; set ${GPU_MEMORY_ENV})`,
    };
  }
  return {
    bytes: Deno.systemMemoryInfo().available,
    source: "available system memory (a software adapter allocates there)",
  };
}

/** What one image's step costs: peak bytes above the baseline and the largest tensor. */
export interface StepFootprint {
  /** Peak bytes the step allocated beyond what was alive before it. */
  peakBytes: number;
  /** Bytes of the largest tensor the step produced. */
  largestTensorBytes: number;
}

/** Runs `step` once (a batch of one image) under tfjs's profiler and reports its footprint. */
export async function measureStep(step: () => void): Promise<StepFootprint> {
  const before = tf.memory().numBytes;
  const profile = await tf.profile(step);
  let largest = 0;
  for (const kernel of profile.kernels) {
    for (const shape of kernel.outputShapes) {
      largest = Math.max(largest, 4 * shape.reduce((a, b) => a * b, 1));
    }
  }
  return { peakBytes: Math.max(0, profile.peakBytes - before), largestTensorBytes: largest };
}

/**
 * Images per batch: half the budget over one image's peak (the rest is headroom for
 * fragmentation and the judges), no tensor above the largest buffer WebGPU binds, at
 * most MAX_BATCH.
 */
export function batchForMemory(
  budget: MemoryBudget,
  footprint: StepFootprint,
  maxBindingBytes = Number.POSITIVE_INFINITY,
): number {
  const byMemory = Math.floor(0.5 * budget.bytes / Math.max(1, footprint.peakBytes));
  const byBinding = Math.floor(maxBindingBytes / Math.max(1, footprint.largestTensorBytes));
  return Math.max(1, Math.min(MAX_BATCH, byMemory, byBinding));
}
