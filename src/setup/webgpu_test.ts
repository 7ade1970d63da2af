/**
 * Set-up's WebGPU step on a pretend machine: it asks for an adapter on every run (libraries
 * already present included) and records it for the tests; it installs missing libraries as
 * root; as root no adapter is an error; without root it says how and removes the record.
 */
import assert from "node:assert/strict";
import { ensureWebgpuLibraries, type WebgpuSetupSystem } from "./webgpu.ts";
import type { AdapterProbe } from "../gpu/adapter.ts";
import type { WebgpuSetupMarker } from "../gpu/webgpu_setup_marker.ts";

const LLVMPIPE: AdapterProbe = {
  found: { name: "llvmpipe (LLVM 15.0.6, 256 bits)", vendor: "65541", software: true },
};
const NONE: AdapterProbe = { unavailable: "WebGPU found no adapter" };

function pretend(options: { missing: string[]; root: boolean; probes: AdapterProbe[] }) {
  const seen = {
    installed: [] as string[][],
    probes: 0,
    marker: undefined as WebgpuSetupMarker | undefined,
    removed: 0,
    lines: [] as string[],
  };
  const system: WebgpuSetupSystem = {
    missingLibraries: () => options.missing,
    canInstall: () => Promise.resolve(options.root),
    install: (packages) => {
      seen.installed.push(packages);
      return Promise.resolve();
    },
    probe: () => Promise.resolve(options.probes[seen.probes++]),
    host: () => "ci-runner",
    writeMarker: (marker) => {
      seen.marker = marker;
      return Promise.resolve();
    },
    removeMarker: () => {
      seen.removed++;
      return Promise.resolve();
    },
    log: (line) => seen.lines.push(line),
  };
  return { system, seen };
}

Deno.test("webgpu set-up: libraries present, it still asks for the adapter and records it", async () => {
  const { system, seen } = pretend({ missing: [], root: true, probes: [LLVMPIPE] });
  await ensureWebgpuLibraries(system);
  assert.equal(seen.probes, 1);
  assert.deepEqual(seen.installed, []);
  assert.equal(seen.marker?.adapter, "llvmpipe (LLVM 15.0.6, 256 bits)");
  assert.equal(seen.marker?.software, true);
  assert.equal(seen.marker?.host, "ci-runner");
  assert.ok(!Number.isNaN(Date.parse(seen.marker!.checked)));
  assert.match(seen.lines.join("\n"), /adapter llvmpipe .*\(software\)/);
});

Deno.test("webgpu set-up: as root it installs what is missing, then records the adapter", async () => {
  const { system, seen } = pretend({ missing: ["libegl1"], root: true, probes: [LLVMPIPE] });
  await ensureWebgpuLibraries(system);
  assert.deepEqual(seen.installed, [["libegl1"]]);
  assert.equal(seen.marker?.adapter, "llvmpipe (LLVM 15.0.6, 256 bits)");
  assert.match(seen.lines.join("\n"), /installed libegl1; adapter llvmpipe/);
});

Deno.test("webgpu set-up: as root, no adapter is an error, installed or present", async () => {
  for (const missing of [["libvulkan1"], []]) {
    const { system, seen } = pretend({ missing, root: true, probes: [NONE] });
    await assert.rejects(
      ensureWebgpuLibraries(system),
      new RegExp(
        `${missing.length ? "installed libvulkan1" : "loader are present"}, but WebGPU found no`,
      ),
    );
    assert.equal(seen.marker, undefined);
    assert.equal(seen.removed, 1, "a stale record must not make the tests demand an adapter");
  }
});

Deno.test("webgpu set-up: without root it says how, removes the record and does not fail", async () => {
  const { system, seen } = pretend({ missing: ["libegl1"], root: false, probes: [NONE] });
  await ensureWebgpuLibraries(system);
  assert.deepEqual(seen.installed, []);
  assert.equal(seen.marker, undefined);
  assert.equal(seen.removed, 1);
  assert.match(seen.lines.join("\n"), /apt-get install -y --no-install-recommends libegl1/);
  assert.match(seen.lines.join("\n"), /webgpu tests will be skipped/);
});

Deno.test("webgpu set-up: without root, an adapter found anyway is recorded", async () => {
  const { system, seen } = pretend({ missing: ["libvulkan1"], root: false, probes: [LLVMPIPE] });
  await ensureWebgpuLibraries(system);
  assert.deepEqual(seen.installed, []);
  assert.equal(seen.marker?.adapter, "llvmpipe (LLVM 15.0.6, 256 bits)");
});
