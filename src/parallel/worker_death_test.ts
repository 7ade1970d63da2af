/**
 * A gradient worker that dies (an uncaught error, or its thread ending) fails the step
 * waiting on it at once, with the reason, instead of blocking the main thread until the
 * answer's time-out; the next request gets a fresh worker.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { RemoteTerm } from "./remote_term.ts";
import { gradientWorkers } from "./gradient_workers.ts";

const OPTIONS = { detector: "blazeface-front", margin: 2, scale: 1 };

Deno.test("a gradient worker that dies fails the waiting step at once with the reason; the next request gets a new worker", async (t) => {
  await initBackend("wasm");
  const batch = tf.zeros([1, 128, 128, 3]) as tf.Tensor4D;
  const reasons = {
    throw: /^Error: gradient worker: crashed: .*crash requested by a test/,
    exit: /^Error: gradient worker: stopped \(exit code 70\)/,
  };
  for (const how of ["throw", "exit"] as const) {
    await t.step(how, () => {
      const [worker] = gradientWorkers(1, "wasm");
      const alive = new RemoteTerm(worker, OPTIONS);
      alive.apply(batch).dispose();
      assert.ok(Number.isFinite(alive.value()), "the worker answers before it dies");

      worker.crashOnNextRequest(how);
      const dying = new RemoteTerm(worker, OPTIONS);
      const started = performance.now();
      dying.apply(batch).dispose();
      assert.throws(() => dying.value(), reasons[how]);
      const seconds = (performance.now() - started) / 1000;
      // The answer's time-out is 300 s; a death is reported as soon as it happens.
      assert.ok(seconds < 10, `the step failed after ${seconds.toFixed(1)} s`);
      // A request to the dead worker fails before it is sent.
      assert.throws(() => new RemoteTerm(worker, OPTIONS).apply(batch), reasons[how]);

      const [fresh] = gradientWorkers(1, "wasm");
      assert.notEqual(fresh, worker, "the dead worker is replaced");
      const next = new RemoteTerm(fresh, OPTIONS);
      next.apply(batch).dispose();
      assert.ok(Number.isFinite(next.value()), "the next request is answered");
    });
  }
  batch.dispose();
});
