/**
 * The server's side of the protection worker: sends a photo, relays progress, returns the
 * result, and cancels on request. A worker that does not stop within a grace period after
 * a cancellation (or that crashes) is terminated and replaced by a fresh one. An idle
 * worker is stopped after a while, which hands its memory (models, the attack's WebAssembly
 * heap, which never shrinks) back to the system; the next photo starts a new one.
 */
import type { FilterProgress, FilterReport } from "../protect/filter.ts";
import type { FromWorker, ToWorker, WorkerFailure } from "./worker_messages.ts";

/** A protected photo. */
export interface ProtectedPhoto {
  /** Encoded bytes. */
  bytes: Uint8Array;
  /** MIME type of the bytes. */
  contentType: string;
  /** Output format ("jpeg", "png", "webp"). */
  format: string;
  /** How it was made and how well it works (no pixels, no names). */
  report: FilterReport;
}

/** Options of one protection. */
export interface ProtectRequest {
  /** Strength preset id. */
  preset?: string;
  /** Cancels the protection. */
  signal?: AbortSignal;
  /** Progress of the filter. */
  onProgress?: (progress: FilterProgress) => void;
}

/** A failed protection: the photo's fault (user), a cancellation (abort), or a bug (internal). */
export class ProtectFailure extends Error {
  /** Creates a failure of the given kind. */
  constructor(readonly kind: WorkerFailure["kind"], message: string) {
    super(message);
    this.name = "ProtectFailure";
  }
}

interface WarmUp {
  resolve: () => void;
  reject: (error: ProtectFailure) => void;
}

interface Pending {
  resolve: (photo: ProtectedPhoto) => void;
  reject: (error: ProtectFailure) => void;
  onProgress?: (progress: FilterProgress) => void;
}

/** Runs protections in a dedicated worker thread, one at a time. */
export class WorkerProtector {
  #worker?: Worker;
  #pending = new Map<number, Pending>();
  #warmUps = new Set<WarmUp>();
  #nextId = 1;
  #idleTimer?: ReturnType<typeof setTimeout>;
  readonly #backend?: string;
  readonly #abortGraceMs: number;
  readonly #idleStopMs: number;
  readonly #workerUrl: URL;

  /**
   * Creates a protector; the worker starts on the first use. `idleStopMs` (default 2
   * minutes) is how long an idle worker is kept; `abortGraceMs` (default 20 s) how long a
   * cancelled protection may take to stop before its worker is terminated.
   */
  constructor(
    options: { backend?: string; abortGraceMs?: number; idleStopMs?: number; workerUrl?: URL } = {},
  ) {
    this.#backend = options.backend;
    this.#workerUrl = options.workerUrl ?? new URL("./protect_worker.ts", import.meta.url);
    this.#abortGraceMs = options.abortGraceMs ?? 20_000;
    this.#idleStopMs = options.idleStopMs ?? 120_000;
  }

  /** Whether a worker is running now (it stops when idle). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /**
   * Starts the worker, its backend and the attacked detectors; resolves when ready, and
   * rejects with the reason when loading fails or the worker dies first.
   */
  warmUp(): Promise<void> {
    return new Promise((resolve, reject) => {
      const warmUp: WarmUp = {
        resolve: () => (this.#stopWhenIdle(), resolve()),
        reject: (error) => (this.#stopWhenIdle(), reject(error)),
      };
      this.#warmUps.add(warmUp);
      this.#post({ type: "warmup", backend: this.#backend });
    });
  }

  /** Protects a photo; the bytes are transferred to the worker (the caller's copy empties). */
  protect(bytes: Uint8Array, request: ProtectRequest = {}): Promise<ProtectedPhoto> {
    const { signal } = request;
    if (signal?.aborted) {
      return Promise.reject(new ProtectFailure("abort", describeReason(signal.reason)));
    }
    const id = this.#nextId++;
    this.#ensureWorker();
    return new Promise<ProtectedPhoto>((resolve, reject) => {
      let graceTimer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        const reason = describeReason(signal!.reason);
        this.#post({ type: "abort", id, reason });
        // A step that never returns must not hold the queue: replace the worker.
        graceTimer = setTimeout(() => {
          this.#restart(new ProtectFailure("abort", reason));
        }, this.#abortGraceMs);
      };
      const settle = () => {
        clearTimeout(graceTimer);
        signal?.removeEventListener("abort", onAbort);
        this.#stopWhenIdle();
      };
      this.#pending.set(id, {
        resolve: (photo) => (settle(), resolve(photo)),
        reject: (error) => (settle(), reject(error)),
        onProgress: request.onProgress,
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#post({ type: "protect", id, bytes, preset: request.preset, backend: this.#backend }, [
        bytes.buffer as ArrayBuffer,
      ]);
    });
  }

  /** Stops the worker; pending protections fail. */
  close(): void {
    this.#restart(new ProtectFailure("abort", "the server is shutting down"));
    clearTimeout(this.#idleTimer);
  }

  #ensureWorker(): Worker {
    clearTimeout(this.#idleTimer);
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#workerUrl, { type: "module" });
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.#receive(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.#restart(new ProtectFailure("internal", `protection worker crashed: ${event.message}`));
    };
    this.#worker = worker;
    return worker;
  }

  #post(message: ToWorker, transfer: Transferable[] = []): void {
    this.#ensureWorker().postMessage(message, transfer);
  }

  #receive(message: FromWorker): void {
    if (message.type === "ready") {
      const warmUps = [...this.#warmUps];
      this.#warmUps.clear();
      const error = message.error;
      for (const w of warmUps) {
        if (error) w.reject(new ProtectFailure("internal", error));
        else w.resolve();
      }
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    if (message.type === "progress") {
      pending.onProgress?.(message.progress);
      return;
    }
    this.#pending.delete(message.id);
    if (message.type === "done") {
      const { bytes, contentType, format, report } = message;
      pending.resolve({ bytes, contentType, format, report });
    } else {
      pending.reject(new ProtectFailure(message.failure.kind, message.failure.message));
    }
  }

  /** Stops the worker once nothing has been asked of it for `idleStopMs`. */
  #stopWhenIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#pending.size > 0 || this.#warmUps.size > 0 || !this.#worker) return;
      this.#worker.terminate();
      this.#worker = undefined;
    }, this.#idleStopMs);
  }

  /** Terminates the worker and fails everything it held; the next protection starts anew. */
  #restart(failure: ProtectFailure): void {
    clearTimeout(this.#idleTimer);
    this.#worker?.terminate();
    this.#worker = undefined;
    const pending = [...this.#pending.values(), ...this.#warmUps];
    this.#pending.clear();
    this.#warmUps.clear();
    for (const p of pending) p.reject(failure);
  }
}

function describeReason(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason ?? "cancelled");
}
