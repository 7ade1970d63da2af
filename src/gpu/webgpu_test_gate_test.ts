/**
 * The webgpu tests' gate: run on any adapter, fail where set-up recorded an adapter on this
 * host and none is left, skip (saying why) everywhere else. And set-up's record round-trips.
 */
import assert from "node:assert/strict";
import { webgpuTestGate } from "./webgpu_test_gate.ts";
import type { AdapterProbe } from "./adapter.ts";
import {
  readWebgpuMarker,
  removeWebgpuMarker,
  type WebgpuSetupMarker,
  writeWebgpuMarker,
} from "./webgpu_setup_marker.ts";

const LLVMPIPE: AdapterProbe = {
  found: { name: "llvmpipe (LLVM 15.0.6, 256 bits)", vendor: "65541", software: true },
};
const NONE: AdapterProbe = { unavailable: "WebGPU found no adapter" };
const MARKER: WebgpuSetupMarker = {
  adapter: "llvmpipe (LLVM 15.0.6, 256 bits)",
  software: true,
  host: "ci-runner",
  checked: "2026-12-04T10:00:00.000Z",
};

Deno.test("webgpu gate: an adapter means the tests run, with or without set-up's record", () => {
  for (const marker of [undefined, MARKER]) {
    const gate = webgpuTestGate(LLVMPIPE, marker, "ci-runner");
    assert.ok("run" in gate, JSON.stringify(gate));
    assert.match(gate.run, /llvmpipe .*\(software\)/);
  }
});

Deno.test("webgpu gate: no adapter where set-up recorded one on this host fails, not skips", () => {
  const gate = webgpuTestGate(NONE, MARKER, "ci-runner");
  assert.ok("fail" in gate, JSON.stringify(gate));
  assert.match(gate.fail, /WebGPU found no adapter/);
  assert.match(gate.fail, /set-up saw WebGPU adapter "llvmpipe/);
  assert.match(gate.fail, /deno task setup/);
});

Deno.test("webgpu gate: no adapter and no record (or another host's) skips with the reason", () => {
  const none = webgpuTestGate(NONE, undefined, "laptop");
  assert.deepEqual(none, {
    skip: "webgpu tests skipped: WebGPU found no adapter; set-up has recorded no adapter " +
      "on this machine",
  });
  const other = webgpuTestGate(NONE, MARKER, "compute-node-7");
  assert.ok("skip" in other, JSON.stringify(other));
  assert.match(other.skip, /from host ci-runner, not compute-node-7/);
});

Deno.test("set-up's WebGPU record: written, read back, removed; a damaged one is named", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-marker-" });
  try {
    const path = `${dir}/sub/webgpu-setup.json`;
    assert.equal(await readWebgpuMarker(path), undefined);
    await writeWebgpuMarker(MARKER, path);
    assert.deepEqual(await readWebgpuMarker(path), MARKER);
    await removeWebgpuMarker(path);
    await removeWebgpuMarker(path); // twice: no error
    assert.equal(await readWebgpuMarker(path), undefined);
    await Deno.writeTextFile(path, "{not json");
    await assert.rejects(readWebgpuMarker(path), /webgpu-setup\.json is damaged/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
