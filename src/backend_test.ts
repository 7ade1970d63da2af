/** Backend choice: flag over environment over default, and clear errors for unknown names. */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend, parseBackendName, requestedBackend } from "./backend.ts";
import { UserError } from "./errors.ts";

Deno.test("the flag wins over EQUALAIS_BACKEND, which wins over the wasm default", () => {
  const saved = Deno.env.get("EQUALAIS_BACKEND");
  try {
    Deno.env.delete("EQUALAIS_BACKEND");
    assert.equal(requestedBackend(), "wasm");
    Deno.env.set("EQUALAIS_BACKEND", "cpu");
    assert.equal(requestedBackend(), "cpu");
    assert.equal(requestedBackend("wasm"), "wasm");
    Deno.env.set("EQUALAIS_BACKEND", "metal");
    assert.throws(() => requestedBackend(), /unknown backend "metal" from EQUALAIS_BACKEND/);
  } finally {
    if (saved === undefined) Deno.env.delete("EQUALAIS_BACKEND");
    else Deno.env.set("EQUALAIS_BACKEND", saved);
  }
});

Deno.test("backend names are case-insensitive and unknown ones are UserErrors", () => {
  assert.equal(parseBackendName(" WASM "), "wasm");
  assert.throws(() => parseBackendName("gpu"), UserError);
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
