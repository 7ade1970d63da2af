/**
 * The bounded, in-memory job queue: one protection runs at a time, a few wait, and nothing
 * more is accepted until there is room (the server then answers 503 with Retry-After).
 * A slot is reserved before an upload is read, so at most that many photos are ever held
 * in memory. Results are handed out once and deleted, or deleted after a short expiry;
 * a job whose page has gone away is cancelled.
 */
import type { FilterProgress, FilterReport } from "../protect/filter.ts";
import type { ServerLimits } from "./limits.ts";
import { type ProtectedPhoto, ProtectFailure, type ProtectRequest } from "./worker_protector.ts";

/** Runs one protection (the worker protector, in the server). */
export type ProtectFn = (bytes: Uint8Array, request: ProtectRequest) => Promise<ProtectedPhoto>;

/** Where a job is. */
export type JobState = "waiting" | "running" | "done" | "failed";

/** Why a job failed, as an HTTP status and one sentence. */
export interface JobFailure {
  /** HTTP status the API answers with. */
  status: number;
  /** One sentence for the person. */
  message: string;
}

/** What a finished job reports (the photo itself is fetched separately). */
export interface JobSummary {
  /** MIME type of the protected photo. */
  contentType: string;
  /** Output format. */
  format: string;
  /** Size of the protected photo in bytes. */
  size: number;
  /** The filter's report. */
  report: FilterReport;
}

/** Events a job's listeners receive (and the progress stream sends). */
export type JobEvent =
  | { type: "queued"; position: number }
  | { type: "progress"; progress: FilterProgress }
  | { type: "done"; summary: JobSummary }
  | { type: "failed"; status: number; error: string };

/** One photo's protection. */
export class Job {
  /** Unguessable id: knowing it is what allows reading the job's progress and result. */
  readonly id: string = crypto.randomUUID();
  /** Where the job is. */
  state: JobState = "waiting";
  /** Photos ahead of this one (0 once running). */
  position = 0;
  /** Latest progress of the filter. */
  progress?: FilterProgress;
  /** Set once done. */
  summary?: JobSummary;
  /** Set once failed. */
  failure?: JobFailure;
  /** Resolves when the job is done or failed. */
  readonly finished: Promise<void>;

  #result?: ProtectedPhoto;
  #listeners = new Set<(event: JobEvent) => void>();
  #finish!: () => void;

  /** Creates a waiting job for a photo. */
  constructor(
    /** The photo until the job starts (then handed to the worker). */
    public input: Uint8Array | undefined,
    /** Strength preset id. */
    readonly preset: string | undefined,
    /** Whether a page watches this job (it is cancelled when nobody does for a while). */
    readonly watched: boolean,
  ) {
    this.finished = new Promise((resolve) => this.#finish = resolve);
  }

  /** The event that describes the job now (sent first to a new listener). */
  currentEvent(): JobEvent {
    if (this.state === "done") return { type: "done", summary: this.summary! };
    if (this.state === "failed") {
      return { type: "failed", status: this.failure!.status, error: this.failure!.message };
    }
    if (this.state === "running" && this.progress) {
      return { type: "progress", progress: this.progress };
    }
    return { type: "queued", position: this.position };
  }

  /** Listens to the job's events; returns the function that stops listening. */
  subscribe(listener: (event: JobEvent) => void): () => void {
    this.#listeners.add(listener);
    this.onListenersChanged?.(this.#listeners.size);
    return () => {
      if (this.#listeners.delete(listener)) this.onListenersChanged?.(this.#listeners.size);
    };
  }

  /** Hands out the protected photo once; later calls get undefined. */
  takeResult(): ProtectedPhoto | undefined {
    const result = this.#result;
    this.#result = undefined;
    return result;
  }

  /** Whether the result is still held. */
  get hasResult(): boolean {
    return this.#result !== undefined;
  }

  /** Called by the queue when the number of listeners changes. */
  onListenersChanged?: (count: number) => void;

  /** Sends an event to every listener. */
  emit(event: JobEvent): void {
    for (const listener of [...this.#listeners]) listener(event);
  }

  /** Marks the job done with its result. */
  complete(result: ProtectedPhoto): void {
    this.state = "done";
    this.#result = result;
    this.summary = {
      contentType: result.contentType,
      format: result.format,
      size: result.bytes.byteLength,
      report: result.report,
    };
    this.emit(this.currentEvent());
    this.#finish();
  }

  /** Marks the job failed. */
  fail(failure: JobFailure): void {
    this.state = "failed";
    this.input = undefined;
    this.failure = failure;
    this.emit(this.currentEvent());
    this.#finish();
  }

  /** Drops everything the job holds (photo, result, listeners). */
  dispose(): void {
    this.input = undefined;
    this.#result = undefined;
    this.#listeners.clear();
  }
}

/** A place in the queue held while an upload is being read. */
export interface Reservation {
  /** Gives the place back (an upload that turned out bad). */
  release(): void;
}

/** Counts of the queue. */
export interface QueueStats {
  /** Jobs running (0 or 1). */
  running: number;
  /** Jobs waiting. */
  waiting: number;
  /** Uploads being read that hold a place. */
  reserved: number;
  /** Places in all (running + waiting + reserved at most). */
  capacity: number;
  /** Finished jobs whose results are still held. */
  held: number;
  /** Jobs known in any state (until their result is taken or expires). */
  known: number;
}

class Cancelled extends Error {}
class TimedOut extends Error {}

/** The bounded job queue. */
export class JobQueue {
  #jobs = new Map<string, Job>();
  #waiting: Job[] = [];
  #running?: { job: Job; controller: AbortController };
  #reserved = 0;
  #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #abandonTimers = new Map<string, ReturnType<typeof setTimeout>>();
  #secondsPerJob: number;
  #closed = false;

  /** Creates a queue that runs `protect` with `limits`. */
  constructor(
    private readonly protect: ProtectFn,
    private readonly limits: ServerLimits,
  ) {
    this.#secondsPerJob = 60;
  }

  /** Places in all: the one running plus the waiting list. */
  get capacity(): number {
    return 1 + this.limits.maxWaiting;
  }

  /** Current counts. */
  stats(): QueueStats {
    let held = 0;
    for (const job of this.#jobs.values()) if (job.hasResult) held++;
    return {
      running: this.#running ? 1 : 0,
      waiting: this.#waiting.length,
      reserved: this.#reserved,
      capacity: this.capacity,
      held,
      known: this.#jobs.size,
    };
  }

  /** Whether a new upload would be refused now. */
  isFull(): boolean {
    return this.#closed ||
      (this.#running ? 1 : 0) + this.#waiting.length + this.#reserved >= this.capacity;
  }

  /** Seconds a refused client should wait before trying again (a rough estimate). */
  retryAfterSeconds(): number {
    const ahead = (this.#running ? 1 : 0) + this.#waiting.length + this.#reserved;
    return Math.min(600, Math.max(5, Math.ceil(ahead * this.#secondsPerJob / 2)));
  }

  /** Holds a place for an upload about to be read, or returns undefined when full. */
  reserve(): Reservation | undefined {
    if (this.isFull()) return undefined;
    this.#reserved++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#reserved--;
      },
    };
  }

  /** Queues a photo in a reserved place; the job starts when the ones ahead are done. */
  submit(
    reservation: Reservation,
    bytes: Uint8Array,
    options: { preset?: string; watched?: boolean } = {},
  ): Job {
    reservation.release();
    const job = new Job(bytes, options.preset, options.watched ?? false);
    this.#jobs.set(job.id, job);
    this.#waiting.push(job);
    job.position = this.#waiting.length - (this.#running ? 0 : 1);
    if (job.watched) {
      job.onListenersChanged = (count) => this.#watchListeners(job, count);
      this.#watchListeners(job, 0);
    }
    this.#pump();
    return job;
  }

  /** The job with this id, while it is known (until its result is taken or expires). */
  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  /** Cancels a waiting or running job; a finished one is just forgotten. */
  cancel(id: string, reason = "the protection was cancelled"): void {
    const job = this.#jobs.get(id);
    if (!job) return;
    if (job.state === "waiting") {
      this.#waiting = this.#waiting.filter((j) => j !== job);
      job.fail({ status: 409, message: reason });
      this.#updatePositions();
      this.#expireLater(job);
    } else if (this.#running?.job === job) {
      this.#running.controller.abort(new Cancelled(reason));
    } else {
      this.forget(job);
    }
  }

  /** Deletes a job and everything it holds now. */
  forget(job: Job): void {
    job.dispose();
    this.#jobs.delete(job.id);
    clearTimeout(this.#timers.get(job.id));
    this.#timers.delete(job.id);
    clearTimeout(this.#abandonTimers.get(job.id));
    this.#abandonTimers.delete(job.id);
  }

  /** Refuses new work, cancels every job and drops every result. */
  close(): void {
    this.#closed = true;
    for (const job of [...this.#waiting]) this.cancel(job.id, "the server is shutting down");
    this.#running?.controller.abort(new Cancelled("the server is shutting down"));
    for (const job of [...this.#jobs.values()]) this.forget(job);
  }

  #pump(): void {
    if (this.#running || this.#closed) return;
    const job = this.#waiting.shift();
    if (!job) return;
    const controller = new AbortController();
    this.#running = { job, controller };
    job.state = "running";
    job.position = 0;
    this.#updatePositions();
    const minutes = this.limits.jobTimeoutMs / 60_000;
    const timer = setTimeout(() => {
      controller.abort(
        new TimedOut(
          `protecting this photo took longer than the limit of ${+minutes.toFixed(1)} ` +
            "minutes: try a smaller photo or a lighter preset",
        ),
      );
    }, this.limits.jobTimeoutMs);
    const bytes = job.input!;
    job.input = undefined; // handed to the worker, which owns it from now on
    const started = performance.now();
    this.protect(bytes, {
      preset: job.preset,
      signal: controller.signal,
      onProgress: (progress) => {
        job.progress = progress;
        job.emit({ type: "progress", progress });
      },
    }).then(
      (result) => {
        const seconds = (performance.now() - started) / 1000;
        this.#secondsPerJob = 0.7 * this.#secondsPerJob + 0.3 * seconds;
        job.complete(result);
      },
      (error) => job.fail(failureOf(error, controller.signal)),
    ).finally(() => {
      clearTimeout(timer);
      this.#running = undefined;
      clearTimeout(this.#abandonTimers.get(job.id));
      if (this.#jobs.has(job.id)) this.#expireLater(job);
      this.#pump();
    });
  }

  #updatePositions(): void {
    this.#waiting.forEach((job, index) => {
      const position = index + (this.#running ? 1 : 0);
      if (position !== job.position) {
        job.position = position;
        job.emit({ type: "queued", position });
      }
    });
  }

  /** Finished jobs are forgotten after the result expiry, with whatever they still hold. */
  #expireLater(job: Job): void {
    clearTimeout(this.#timers.get(job.id));
    this.#timers.set(job.id, setTimeout(() => this.forget(job), this.limits.resultTtlMs));
  }

  /** A watched job with no listener for `abandonAfterMs` is cancelled: its page is gone. */
  #watchListeners(job: Job, count: number): void {
    clearTimeout(this.#abandonTimers.get(job.id));
    this.#abandonTimers.delete(job.id);
    if (count > 0 || job.state === "done" || job.state === "failed") return;
    this.#abandonTimers.set(
      job.id,
      setTimeout(
        () => this.cancel(job.id, "the page that asked for this protection went away"),
        this.limits.abandonAfterMs,
      ),
    );
  }
}

/** Turns a protection's error into the HTTP status and sentence the API answers with. */
function failureOf(error: unknown, signal: AbortSignal): JobFailure {
  if (signal.aborted) {
    const reason = signal.reason;
    if (reason instanceof TimedOut) return { status: 503, message: reason.message };
    return { status: 409, message: (reason as Error)?.message ?? "the protection was cancelled" };
  }
  if (error instanceof ProtectFailure && error.kind === "user") {
    return { status: 422, message: error.message.replace(/^image: /, "") };
  }
  const detail = error instanceof Error ? error.message : String(error);
  console.error(`serve: protection failed with an internal error: ${detail}`);
  return { status: 500, message: "protecting the photo failed because of an internal error" };
}
