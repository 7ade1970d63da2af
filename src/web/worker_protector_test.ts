import assert from "node:assert/strict";
import { ProtectFailure, WorkerProtector } from "./worker_protector.ts";

Deno.test("warmUp rejects with the reason when the worker dies before it is ready; the next photo starts a new worker", async () => {
  const protector = new WorkerProtector({
    workerUrl: new URL("./test_worker.js", import.meta.url),
    idleStopMs: 60_000,
  });
  try {
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      protector.warmUp().then(() => "ready", (error) => error),
      new Promise((resolve) => timer = setTimeout(() => resolve("no answer in 20 s"), 20_000)),
    ]);
    clearTimeout(timer);
    assert.ok(outcome instanceof ProtectFailure, `warmUp settled with: ${outcome}`);
    assert.equal(outcome.kind, "internal");
    assert.match(
      outcome.message,
      /^protection worker crashed: .*the detectors could not be loaded \(test\)/,
    );
    assert.ok(performance.now() - started < 20_000);
    assert.equal(protector.running, false, "the dead worker is gone");

    const photo = await protector.protect(new Uint8Array([1, 2, 3]), { preset: "light" });
    assert.deepEqual([...photo.bytes], [1, 2, 3], "a new worker answered");
    assert.equal(photo.report.preset, "light");
  } finally {
    protector.close();
  }
});
