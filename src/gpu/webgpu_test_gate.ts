/**
 * Whether the webgpu tests run, are skipped, or fail on this machine. They run wherever
 * WebGPU offers an adapter (software ones included). Where it offers none they are skipped,
 * unless set-up recorded an adapter on this very host: then something removed it, and
 * skipping would let a test run pass without running them, so they fail instead.
 */
import type { AdapterProbe } from "./adapter.ts";
import type { WebgpuSetupMarker } from "./webgpu_setup_marker.ts";

/** The decision, with the sentence that explains it. */
export type WebgpuTestGate = { run: string } | { skip: string } | { fail: string };

/** Decides from the adapter probe, set-up's record (if any) and this machine's host name. */
export function webgpuTestGate(
  probe: AdapterProbe,
  marker: WebgpuSetupMarker | undefined,
  host: string,
): WebgpuTestGate {
  if ("found" in probe) {
    const kind = probe.found.software ? "software" : "hardware";
    return { run: `webgpu tests run on ${probe.found.name} (${kind})` };
  }
  if (marker && marker.host === host) {
    return {
      fail: `webgpu tests cannot run: ${probe.unavailable}, yet set-up saw WebGPU adapter ` +
        `"${marker.adapter}" on this machine (${marker.checked}); rerun \`deno task setup\` ` +
        "(as root it installs Mesa's libraries) or find what removed the adapter",
    };
  }
  const elsewhere = marker
    ? `; set-up's record of an adapter is from host ${marker.host}, not ${host}`
    : "; set-up has recorded no adapter on this machine";
  return { skip: `webgpu tests skipped: ${probe.unavailable}${elsewhere}` };
}
