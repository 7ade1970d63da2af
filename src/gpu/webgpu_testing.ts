/**
 * For tests that need a WebGPU adapter: they run on any adapter, software included (CI
 * uses Mesa's llvmpipe), and are skipped, with the reason printed, only where WebGPU
 * offers no adapter at all.
 */
import { probeGpuAdapter } from "./adapter.ts";

const probe = await probeGpuAdapter();

/** Why webgpu tests cannot run here, or undefined when an adapter exists. */
export const WEBGPU_SKIP_REASON: string | undefined = "unavailable" in probe
  ? probe.unavailable
  : undefined;

if (WEBGPU_SKIP_REASON) console.error(`webgpu tests skipped: ${WEBGPU_SKIP_REASON}`);
