/** Adapter classification: hardware GPUs count, CPU renderers never do. */
import assert from "node:assert/strict";
import { describeAdapterInfo, probeGpuAdapter } from "./adapter.ts";
import { WEBGPU_SKIP_REASON } from "./webgpu_testing.ts";

Deno.test("hardware adapters are hardware, CPU renderers are software, with names", () => {
  const h200 = describeAdapterInfo({ vendor: "4318", device: "8994", description: "NVIDIA H200" });
  assert.deepEqual(h200, {
    name: "NVIDIA H200",
    vendor: "4318",
    software: false,
    softwareReason: undefined,
  });
  const apple = describeAdapterInfo({ vendor: "apple", architecture: "metal-3", description: "" });
  assert.equal(apple.software, false);
  assert.equal(apple.name, "apple");
  const cases = [
    { vendor: "65541", description: "llvmpipe (LLVM 15.0.6, 256 bits)", isFallbackAdapter: true },
    { vendor: "65541", description: "llvmpipe (LLVM 15.0.6, 256 bits)" },
    { vendor: "65541", description: "" },
    { vendor: "4098", description: "Llvmpipe" },
    { vendor: "google", device: "SwiftShader Device (Subzero)" },
    { vendor: "5140", description: "Microsoft Basic Render Driver" },
    { vendor: "nvidia", description: "any", isFallbackAdapter: true },
  ];
  for (const info of cases) {
    const report = describeAdapterInfo(info);
    assert.equal(report.software, true, JSON.stringify(info));
    assert.ok(report.softwareReason, JSON.stringify(info));
  }
});

Deno.test({
  name: "this machine's WebGPU adapter is found and classified",
  ignore: WEBGPU_SKIP_REASON !== undefined,
}, async () => {
  const probe = await probeGpuAdapter();
  // CI and the build machines have no GPU but Mesa's llvmpipe through EGL (set-up
  // installs it); a hardware adapter would be classified as such.
  if ("unavailable" in probe) throw new Error(probe.unavailable);
  console.log(
    `WebGPU adapter: ${probe.found.name} (${probe.found.software ? "software" : "hardware"})`,
  );
  assert.ok(probe.found.name.length > 0);
  if (/llvmpipe|lavapipe/i.test(probe.found.name)) assert.equal(probe.found.software, true);
});
