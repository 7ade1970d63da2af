/** Backend choice: flag over environment over `auto`, auto's GPU rule, and clear errors. */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  autoBackend,
  backendLabel,
  initBackend,
  parseBackendName,
  requestedBackend,
} from "./backend.ts";
import { UserError } from "./errors.ts";
import { WEBGPU_SKIP_REASON } from "./gpu/webgpu_testing.ts";

async function withoutBackendEnv<T>(body: () => Promise<T> | T): Promise<T> {
  const saved = Deno.env.get("EQUALAIS_BACKEND");
  try {
    Deno.env.delete("EQUALAIS_BACKEND");
    return await body();
  } finally {
    if (saved === undefined) Deno.env.delete("EQUALAIS_BACKEND");
    else Deno.env.set("EQUALAIS_BACKEND", saved);
  }
}

Deno.test("the flag wins over EQUALAIS_BACKEND, which wins over auto", async () => {
  await withoutBackendEnv(() => {
    assert.equal(requestedBackend(), "auto");
    Deno.env.set("EQUALAIS_BACKEND", "cpu");
    assert.equal(requestedBackend(), "cpu");
    assert.equal(requestedBackend("wasm"), "wasm");
    Deno.env.set("EQUALAIS_BACKEND", "WebGPU");
    assert.equal(requestedBackend(), "webgpu");
    Deno.env.set("EQUALAIS_BACKEND", "metal");
    assert.throws(() => requestedBackend(), /unknown backend "metal" from EQUALAIS_BACKEND/);
  });
});

Deno.test("backend names are case-insensitive and unknown ones are UserErrors", () => {
  assert.equal(parseBackendName(" WASM "), "wasm");
  assert.equal(parseBackendName("auto"), "auto");
  assert.throws(() => parseBackendName("gpu"), UserError);
  assert.throws(
    () => parseBackendName("gpu"),
    /choose one of wasm, cpu, tensorflow, webgpu or auto/,
  );
});

Deno.test("auto takes webgpu only on a hardware adapter", () => {
  const h200 = { name: "NVIDIA H200", vendor: "4318", software: false };
  assert.deepEqual(autoBackend({ found: h200 }), {
    name: "webgpu",
    why: "hardware GPU adapter NVIDIA H200",
  });
  const llvmpipe = {
    name: "llvmpipe (LLVM 15.0.6, 256 bits)",
    vendor: "65541",
    software: true,
    softwareReason: "the driver reports a fallback adapter",
  };
  const soft = autoBackend({ found: llvmpipe });
  assert.equal(soft.name, "wasm");
  assert.match(soft.why, /no hardware GPU: WebGPU offers only llvmpipe/);
  assert.equal(autoBackend({ unavailable: "no driver" }).name, "wasm");
});

Deno.test("wasm runs with SIMD, cpu runs, and the active backend is reported", async () => {
  const wasm = await initBackend("wasm");
  assert.equal(wasm.name, "wasm");
  assert.equal(tf.getBackend(), "wasm");
  assert.equal(wasm.simd, true);
  const cpu = await initBackend("cpu");
  assert.equal(cpu.name, "cpu");
  assert.equal(tf.getBackend(), "cpu");
  const fallback = await initBackend("tensorflow");
  assert.equal(fallback.name, "wasm");
  assert.equal(fallback.requested, "tensorflow");
  assert.match(fallback.fallbackReason ?? "", /unavailable/);
});

Deno.test("auto on this machine: webgpu on a hardware adapter, otherwise wasm, never llvmpipe", async () => {
  const info = await withoutBackendEnv(() => initBackend());
  assert.equal(info.requested, "auto");
  assert.equal(tf.getBackend(), info.name);
  console.log(`auto: ${info.autoChoice}`);
  if (info.adapter && !info.adapter.software) {
    assert.equal(info.name, "webgpu");
  } else {
    // A machine without a GPU (CI, the build machines): Mesa's software adapter is found
    // but passed over, and the reason names it.
    assert.equal(info.name, "wasm");
    assert.equal(info.fallbackReason, undefined);
    if (info.adapter) {
      assert.match(info.autoChoice ?? "", new RegExp(`only ${info.adapter.name.slice(0, 8)}`));
    }
    assert.match(info.autoChoice ?? "", /; using wasm$/);
  }
  await initBackend("wasm");
});

Deno.test({
  name: "webgpu starts by name on any adapter and says which",
  ignore: WEBGPU_SKIP_REASON !== undefined,
}, async () => {
  const info = await initBackend("webgpu");
  assert.equal(info.name, "webgpu");
  assert.equal(tf.getBackend(), "webgpu");
  assert.ok(info.adapter && info.adapter.name.length > 0);
  assert.equal(backendLabel(info), `webgpu (${info.adapter.name})`);
  const sum = tf.tensor1d([1, 2, 3]).sum();
  assert.equal((await sum.data())[0], 6);
  sum.dispose();
  await initBackend("wasm");
  assert.equal(backendLabel(await initBackend("wasm")), "wasm");
});
