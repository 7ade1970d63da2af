/**
 * The thread between the main thread and one gradient worker. The main thread waits for
 * answers synchronously (Atomics.wait), so it cannot hear a worker's error or exit event
 * until the wait ends; this thread never blocks, hears them at once, marks the worker
 * dead in shared memory and fails every request still waiting on it with the reason.
 * It passes every message on unchanged (shared buffers are shared, not copied).
 */
import { parentPort, Worker, workerData } from "node:worker_threads";
import { GradientChannel } from "./gradient_channel.ts";
import type { WorkerMessage } from "./gradient_protocol.ts";

/** What the main thread hands this thread at its start. */
export interface SupervisorData {
  /** The worker's life flag: a channel left pending while it lives, failed with the reason when it dies. */
  life: SharedArrayBuffer;
}

const life = new GradientChannel((workerData as SupervisorData).life);
// Requests sent and possibly unanswered; answered ones are dropped as new ones come.
let waiting = new Set<SharedArrayBuffer>();

function died(reason: string): void {
  if (!life.failIfPending(reason)) return; // the first reason is the one reported
  for (const buffer of waiting) new GradientChannel(buffer).failIfPending(reason);
  waiting.clear();
}

const worker = new Worker(new URL("./gradient_worker.ts", import.meta.url));
worker.on("error", (error: Error) => died(`crashed: ${error?.message ?? error}`));
worker.on("exit", (code: number) => died(`stopped (exit code ${code})`));

parentPort!.on("message", (message: WorkerMessage) => {
  if (message.kind === "gradient" || message.kind === "count-faces") {
    const channel = new GradientChannel(message.buffer);
    const reason = life.failure();
    if (reason !== undefined) {
      channel.failIfPending(reason);
      return;
    }
    waiting = new Set([...waiting].filter((b) => new GradientChannel(b).pending));
    waiting.add(message.buffer);
  }
  worker.postMessage(message);
});
