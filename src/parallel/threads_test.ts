/** Thread counts: the option, then EQUALAIS_THREADS, then the cores; bad values named. */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { gradientThreads, parseThreads, THREADS_ENV } from "./threads.ts";

Deno.test("the option wins, then the environment, then the cores (at most 4)", async () => {
  await initBackend("wasm");
  const saved = Deno.env.get(THREADS_ENV);
  try {
    Deno.env.delete(THREADS_ENV);
    const cores = navigator.hardwareConcurrency;
    assert.equal(gradientThreads(), Math.max(1, Math.min(4, cores)));
    Deno.env.set(THREADS_ENV, "3");
    assert.equal(gradientThreads(), 3);
    assert.equal(gradientThreads(1), 1);
    Deno.env.set(THREADS_ENV, "many");
    assert.throws(() => gradientThreads(), /EQUALAIS_THREADS must be a whole number .* "many"/);
  } finally {
    if (saved === undefined) Deno.env.delete(THREADS_ENV);
    else Deno.env.set(THREADS_ENV, saved);
  }
});

Deno.test("thread counts that are not whole numbers from 1 to 64 are refused by name", () => {
  for (const bad of ["0", "-2", "1.5", "", "65", "x"]) {
    assert.throws(() => parseThreads(bad, "--threads"), /--threads must be a whole number/);
  }
  assert.equal(parseThreads("2", "--threads"), 2);
});
