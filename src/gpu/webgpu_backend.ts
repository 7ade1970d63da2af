/**
 * The tfjs `webgpu` backend, created on our terms.
 *
 * `@tensorflow/tfjs-backend-webgpu` registers itself with the highest priority, so any
 * tfjs call before `initBackend` would start it (and take a software adapter on machines
 * without a GPU). We replace that registration with one of the lowest priority that is
 * used only when asked for by name, record the adapter it runs on, and surface WebGPU
 * validation errors, which tfjs ignores (a shader that fails to compile silently
 * yields zeros).
 */
import * as tf from "@tensorflow/tfjs";
import { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { type AdapterInfoFields, describeAdapterInfo, type GpuAdapterReport } from "./adapter.ts";

/** The tfjs backend name. */
export const WEBGPU = "webgpu";

let adapterReport: GpuAdapterReport | undefined;
let maxBindingBytes = Number.POSITIVE_INFINITY;
const deviceErrors: string[] = [];

/** The adapter the webgpu backend runs on, once it has started. */
export function webgpuAdapter(): GpuAdapterReport | undefined {
  return adapterReport;
}

/** The largest storage buffer one shader may bind: no tensor can be larger. */
export function webgpuMaxBindingBytes(): number {
  return maxBindingBytes;
}

/** WebGPU errors (validation, out of memory, device loss) seen since start, oldest first. */
export function webgpuErrors(): readonly string[] {
  return deviceErrors;
}

function recordError(message: string): void {
  // Keep the first few: one broken shader repeats its error on every dispatch.
  const text = message.trim().replace(/\s+/g, " ").slice(0, 400);
  if (deviceErrors.length < 20) deviceErrors.push(text);
  if (deviceErrors.length === 1) console.error(`webgpu: device error: ${deviceErrors[0]}`);
}

async function createBackend(): Promise<tf.KernelBackend> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  if (!gpu) throw new Error("this Deno build has no WebGPU");
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("WebGPU found no adapter");
  const limits = adapter.limits;
  // The limits tfjs itself asks for: the adapter's maxima, not WebGPU's small defaults.
  const device = await adapter.requestDevice({
    requiredFeatures: adapter.features.has("timestamp-query") ? ["timestamp-query"] : [],
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  device.addEventListener("uncapturederror", (event) => {
    recordError((event as GPUUncapturedErrorEvent).error.message);
  });
  device.lost.then((info) => {
    if (info.reason !== "destroyed") recordError(`device lost: ${info.message}`);
  });
  adapterReport = describeAdapterInfo(adapter.info as AdapterInfoFields);
  maxBindingBytes = device.limits.maxStorageBufferBindingSize;
  if (adapterReport.software) {
    // A CPU renderer compiles tfjs's tiled matrix-product shader for minutes (measured:
    // 77 s for one MatMulPackedProgram on llvmpipe); the small-output variant compiles in
    // seconds and computes the same products. Hardware GPUs keep tfjs's choice.
    tf.env().set("WEBGPU_MATMUL_PROGRAM_TYPE", 2); // MatMulSmallOutputSizeProgram
  }
  return new WebGPUBackend(device, adapter.info) as unknown as tf.KernelBackend;
}

let registered = false;

/** Replaces tfjs's own `webgpu` registration with ours (lowest priority); idempotent. */
export function registerWebgpuBackend(): void {
  if (registered) return;
  registered = true;
  if (tf.findBackendFactory(WEBGPU)) tf.removeBackend(WEBGPU);
  tf.registerBackend(WEBGPU, createBackend, 0);
}

// At import: the package registered itself a moment ago, before anything could use it.
registerWebgpuBackend();
