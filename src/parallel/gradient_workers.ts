/**
 * The process-wide gradient worker threads. They start on first use, keep their loaded
 * detectors for the next attack (a demo or a sweep runs many), and never keep the
 * process alive on their own (they are unref'd: the main thread only ever waits for them
 * synchronously, inside a step).
 */
import { Worker } from "node:worker_threads";
import type { GradientMessage } from "./gradient_protocol.ts";

/** One worker thread. */
export class GradientWorker {
  readonly #worker: Worker;
  readonly #loaded = new Set<string>();

  /** Starts a worker whose tfjs runs on `backend`. */
  constructor(readonly backend: string) {
    this.#worker = new Worker(new URL("./gradient_worker.ts", import.meta.url));
    this.#worker.unref();
    this.#worker.postMessage({ kind: "init", backend });
  }

  /** Starts loading detectors so the first request does not wait for them. */
  preload(ids: readonly string[]): void {
    const fresh = ids.filter((id) => !this.#loaded.has(id));
    for (const id of fresh) this.#loaded.add(id);
    if (fresh.length) this.#worker.postMessage({ kind: "load", ids: fresh });
  }

  /** Posts a request (the worker loads its detector if need be); the answer comes in its channel. */
  post(request: GradientMessage): void {
    this.#worker.postMessage(request);
  }

  /** Stops the thread. */
  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

let pool: GradientWorker[] = [];

/** The first `count` workers for `backend`, starting any that are missing. */
export function gradientWorkers(count: number, backend: string): GradientWorker[] {
  if (pool.length && pool[0].backend !== backend) {
    for (const worker of pool) worker.terminate();
    pool = [];
  }
  while (pool.length < count) pool.push(new GradientWorker(backend));
  return pool.slice(0, count);
}
