/**
 * The process-wide gradient worker threads. They start on first use, keep their loaded
 * detectors for the next attack (a demo or a sweep runs many), and never keep the
 * process alive on their own (they are unref'd: the main thread only ever waits for them
 * synchronously, inside a step). Each runs under a supervisor thread that reports its
 * death at once (see gradient_supervisor.ts); a dead worker is replaced on the next request.
 */
import { Worker } from "node:worker_threads";
import { GradientChannel } from "./gradient_channel.ts";
import type { RequestMessage, WorkerMessage } from "./gradient_protocol.ts";
import type { SupervisorData } from "./gradient_supervisor.ts";

/** One worker thread (behind its supervisor). */
export class GradientWorker {
  readonly #supervisor: Worker;
  readonly #loaded = new Set<string>();
  // Pending while the worker lives; failed with the reason when it dies.
  readonly #life = GradientChannel.withCapacity(0);

  /** Starts a worker whose tfjs runs on `backend`. */
  constructor(readonly backend: string) {
    this.#life.open();
    const data: SupervisorData = { life: this.#life.buffer };
    this.#supervisor = new Worker(new URL("./gradient_supervisor.ts", import.meta.url), {
      workerData: data,
    });
    this.#supervisor.unref();
    // Heard only between steps (a step blocks this thread), but a supervisor never dies
    // on its own: this is for completeness.
    this.#supervisor.on("error", (error: Error) => {
      this.#life.failIfPending(`supervisor crashed: ${error?.message ?? error}`);
    });
    this.#supervisor.on("exit", (code: number) => {
      this.#life.failIfPending(`stopped (exit code ${code})`);
    });
    this.#send({ kind: "init", backend });
  }

  /** Why the worker died, or undefined while it lives. */
  get death(): string | undefined {
    return this.#life.failure();
  }

  /** Starts loading detectors so the first request does not wait for them. */
  preload(ids: readonly string[]): void {
    const fresh = ids.filter((id) => !this.#loaded.has(id));
    for (const id of fresh) this.#loaded.add(id);
    if (fresh.length) this.#send({ kind: "load", ids: fresh });
  }

  /**
   * Posts a request (the worker loads its detector if need be); the answer comes in its
   * channel. Throws at once, naming the reason, when the worker has died.
   */
  post(request: RequestMessage): void {
    const death = this.death;
    if (death !== undefined) throw new Error(`gradient worker: ${death}`);
    this.#send(request);
  }

  /** For tests: the worker dies ("throw": an uncaught error; "exit") on its next request. */
  crashOnNextRequest(how: "throw" | "exit"): void {
    this.#send({ kind: "crash", how });
  }

  /** Stops the thread (and its worker). */
  terminate(): Promise<number> {
    this.#life.failIfPending("terminated");
    return this.#supervisor.terminate();
  }

  #send(message: WorkerMessage): void {
    this.#supervisor.postMessage(message);
  }
}

let pool: GradientWorker[] = [];

/** The first `count` workers for `backend`, starting any that are missing or dead. */
export function gradientWorkers(count: number, backend: string): GradientWorker[] {
  if (pool.length && pool[0].backend !== backend) {
    for (const worker of pool) worker.terminate();
    pool = [];
  }
  pool = pool.filter((worker) => {
    if (worker.death === undefined) return true;
    worker.terminate();
    return false;
  });
  while (pool.length < count) pool.push(new GradientWorker(backend));
  return pool.slice(0, count);
}
