/**
 * For tests that need a WebGPU adapter: they run on any adapter, software included (CI
 * uses Mesa's llvmpipe). Where WebGPU offers none they are skipped, with the reason printed
 * loudly, unless set-up recorded an adapter on this machine: then they run and fail, and a
 * test named for the reason fails too, so a run cannot pass without them (webgpu_test_gate.ts).
 */
import { probeGpuAdapter } from "./adapter.ts";
import { readWebgpuMarker } from "./webgpu_setup_marker.ts";
import { type WebgpuTestGate, webgpuTestGate } from "./webgpu_test_gate.ts";

async function decide(): Promise<WebgpuTestGate> {
  const probe = await probeGpuAdapter();
  try {
    return webgpuTestGate(probe, await readWebgpuMarker(), Deno.hostname());
  } catch (error) {
    return { fail: `webgpu tests cannot be gated: ${(error as Error).message}` };
  }
}

const gate = await decide();

/** Why webgpu tests are skipped here, or undefined where they run (or must run and fail). */
export const WEBGPU_SKIP_REASON: string | undefined = "skip" in gate ? gate.skip : undefined;

// Test files run as workers of one process: the environment is shared, the modules are not.
const ANNOUNCED = "EQUALAIS_WEBGPU_GATE_ANNOUNCED";

if ("skip" in gate && !Deno.env.get(ANNOUNCED)) {
  Deno.env.set(ANNOUNCED, "1");
  console.error(`\n*** ${gate.skip} ***\n`);
}

if ("fail" in gate) {
  console.error(`\n*** ${gate.fail} ***\n`);
  Deno.test("webgpu tests run where set-up found an adapter", () => {
    throw new Error(gate.fail);
  });
}
