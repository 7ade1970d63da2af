/**
 * Which WebGPU adapter this machine offers, and whether it is a real GPU.
 *
 * Deno's WebGPU (wgpu) finds hardware GPUs through Vulkan (or GL), but on a machine
 * without one it happily returns Mesa's software rasteriser (llvmpipe through GL/EGL,
 * lavapipe through Vulkan): real, correct, and 10-50x slower than wasm for our models.
 * Auto-selection must tell the two apart; a user can still ask for it explicitly.
 */

/** What the probe found. */
export interface GpuAdapterReport {
  /** The adapter's name, e.g. "NVIDIA H200" or "llvmpipe (LLVM 15.0.6, 256 bits)". */
  name: string;
  /** Vendor as WebGPU reports it (a name or a PCI/Khronos vendor id). */
  vendor: string;
  /** True for CPU (software) implementations. */
  software: boolean;
  /** Why it counts as software, for messages. */
  softwareReason?: string;
}

/** The adapter information fields we read (a subset of GPUAdapterInfo). */
export interface AdapterInfoFields {
  /** Vendor name or id. */
  vendor?: string;
  /** Architecture, often empty. */
  architecture?: string;
  /** Device name or id. */
  device?: string;
  /** Driver's description, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  description?: string;
  /** Set by implementations that know the adapter is a fallback (software) one. */
  isFallbackAdapter?: boolean;
}

// Names of CPU implementations: Mesa (llvmpipe, lavapipe, softpipe), Google's
// SwiftShader, Microsoft's WARP ("Basic Render Driver").
const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|basic render|\bwarp\b|software/i;
// Khronos vendor id of Mesa (0x10005): only Mesa's CPU drivers report it; Mesa's
// hardware drivers report the GPU maker's PCI id.
const MESA_SOFTWARE_VENDOR = String(0x10005);

/** Classifies adapter information as hardware or software and names it. */
export function describeAdapterInfo(info: AdapterInfoFields): GpuAdapterReport {
  const vendor = info.vendor ?? "";
  const texts = [info.description, info.device, info.architecture, vendor].filter(Boolean);
  const name = info.description || [vendor, info.device].filter(Boolean).join(" ") ||
    "unnamed adapter";
  let softwareReason: string | undefined;
  if (info.isFallbackAdapter) softwareReason = "the driver reports a fallback adapter";
  else if (texts.some((t) => SOFTWARE_NAMES.test(t!))) softwareReason = "a CPU renderer";
  else if (vendor === MESA_SOFTWARE_VENDOR) softwareReason = "Mesa's CPU vendor id";
  return { name, vendor, software: softwareReason !== undefined, softwareReason };
}

/** The outcome of looking for an adapter: one was found, or why none was. */
export type AdapterProbe = { found: GpuAdapterReport } | { unavailable: string };

let probe: Promise<AdapterProbe> | undefined;

/**
 * Asks WebGPU for its preferred (high-performance) adapter, once per process. The asking
 * happens in a child process where it may: loading GPU drivers costs a process ~60 MiB
 * that a wasm run should not carry, and a crashing driver takes only the child down.
 */
export function probeGpuAdapter(): Promise<AdapterProbe> {
  probe ??= probeInChild().catch(() => requestInfo());
  return probe;
}

const NO_ADAPTER = "WebGPU found no adapter (no Vulkan or EGL/GL driver; `deno task setup` " +
  "installs Mesa's as root)";

// Prints the adapter's information as JSON, or null.
const PROBE_SCRIPT =
  `const a = await navigator.gpu?.requestAdapter({ powerPreference: "high-performance" });
const i = a?.info;
console.log(JSON.stringify(i ? { vendor: i.vendor, architecture: i.architecture, device: i.device,
  description: i.description, isFallbackAdapter: i.isFallbackAdapter } : null));`;

/**
 * Asks WebGPU in a new process, every time (set-up, after installing drivers, must not see
 * an earlier answer); throws where child processes cannot be started.
 */
export async function probeInChild(): Promise<AdapterProbe> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", PROBE_SCRIPT],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const reason = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1);
    return { unavailable: `the WebGPU probe failed (exit ${out.code}: ${reason})` };
  }
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as AdapterInfoFields | null;
  return info ? { found: describeAdapterInfo(info) } : { unavailable: NO_ADAPTER };
}

// In this process: where child processes may not be started.
async function requestInfo(): Promise<AdapterProbe> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  if (!gpu) return { unavailable: "this Deno build has no WebGPU (navigator.gpu is missing)" };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) return { unavailable: NO_ADAPTER };
    return { found: describeAdapterInfo(adapter.info as AdapterInfoFields) };
  } catch (error) {
    return { unavailable: `WebGPU adapter request failed: ${String(error).split("\n")[0]}` };
  }
}
