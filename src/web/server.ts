/**
 * The web server behind the protection page: the page itself, the `POST /api/protect`
 * API for scripts, and the job API with progress that the page uses. Photos stay in
 * memory (this process and its protection worker); nothing about a request is logged.
 *
 * Routes:
 * - `GET /` (and /style.css, /app.js, /icon.svg): the page.
 * - `GET /healthz`: 200 when a photo can be taken now, 503 when the queue is full; with the
 *   queue's counts, whether the protection worker runs, and the process's memory.
 * - `GET /api/config`: presets and limits for the page.
 * - `POST /api/protect` (multipart `image`, optional `preset`): the protected photo, or JSON error.
 * - `POST /api/jobs`: queue a photo (202, `{"id"}`); `GET /api/jobs/:id` its state;
 *   `GET /api/jobs/:id/events` its progress (server-sent events); `GET /api/jobs/:id/result`
 *   the photo, once (then deleted); `DELETE /api/jobs/:id` cancels it.
 */
import { UserError } from "../errors.ts";
import { DEFAULT_PRESET_ID, getPreset, PRESETS } from "../protect/presets.ts";
import { SUPPORTED_FORMATS } from "../image/decode.ts";
import { checkPhotoHeader } from "./check_photo.ts";
import { jobEventStream } from "./event_stream.ts";
import { errorResponse, HttpError, jsonResponse } from "./http_error.ts";
import { type Job, JobQueue } from "./job_queue.ts";
import { DEFAULT_LIMITS, formatBytes, type ServerLimits } from "./limits.ts";
import { SECURITY_HEADERS } from "./security_headers.ts";
import { type Asset, loadAssets } from "./static_assets.ts";
import { readUpload } from "./upload.ts";
import { WorkerProtector } from "./worker_protector.ts";

/** Options of a server. */
export interface ServerOptions {
  /** Port (default 8000; 0 picks a free one). */
  port?: number;
  /** Address to listen on (default 127.0.0.1: this machine only). */
  hostname?: string;
  /** Limits and queue sizes (default DEFAULT_LIMITS). */
  limits?: Partial<ServerLimits>;
  /** TensorFlow.js backend of the protection worker (default EQUALAIS_BACKEND or wasm). */
  backend?: string;
  /** Start the protection worker and load the detectors at once (default true). */
  warmUp?: boolean;
  /** Stop the protection worker after this long without work, freeing its memory (default 2 min). */
  workerIdleMs?: number;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8000. */
  url: string;
  /** Port it listens on. */
  port: number;
  /** The job queue (for health and tests). */
  queue: JobQueue;
  /** Whether the protection worker is running now (it stops when idle). */
  readonly workerRunning: boolean;
  /** Resolves when the protection worker is ready (rejects if it cannot start). */
  ready: Promise<void>;
  /** Stops accepting requests, cancels jobs, drops results and stops the worker. */
  shutdown(): Promise<void>;
}

const JOB_PATH =
  /^\/api\/jobs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\/events|\/result)?$/;

/** Starts the server; resolves once it listens. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const assets = await loadAssets();
  const protector = new WorkerProtector({
    backend: options.backend,
    idleStopMs: options.workerIdleMs,
  });
  const queue = new JobQueue((bytes, request) => protector.protect(bytes, request), limits);
  const ready = options.warmUp === false ? Promise.resolve() : protector.warmUp();
  ready.catch(() => {}); // reported through `ready`; jobs report their own failures

  const handler = createHandler(queue, assets, limits, () => protector.running);
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port: options.port ?? 8000,
    hostname: options.hostname ?? "127.0.0.1",
    onListen: (addr) => resolve(addr as Deno.NetAddr),
    // Deno.serve logs nothing about requests; errors get one line without request data.
    onError: (error) => {
      console.error(`serve: internal error: ${(error as Error)?.message ?? error}`);
      return errorResponse(500, "internal server error");
    },
  }, handler);
  const addr = await listening;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    queue,
    ready,
    get workerRunning() {
      return protector.running;
    },
    async shutdown() {
      queue.close();
      protector.close();
      await server.shutdown();
    },
  };
}

/** The request handler: routes, limits and error answers, given a queue and the page's files. */
export function createHandler(
  queue: JobQueue,
  assets: ReadonlyMap<string, Asset>,
  limits: ServerLimits,
  workerRunning: () => boolean = () => false,
): (request: Request) => Promise<Response> {
  const config = {
    presets: PRESETS.map(({ id, label, description }) => ({ id, label, description })),
    defaultPreset: DEFAULT_PRESET_ID,
    limits: {
      maxUploadBytes: limits.maxUploadBytes,
      maxUpload: formatBytes(limits.maxUploadBytes),
      maxMegapixels: limits.maxPixels / 1e6,
      formats: SUPPORTED_FORMATS.map((f) => f.toUpperCase()),
      resultMinutes: limits.resultTtlMs / 60_000,
    },
  };

  /** Reads, checks and queues an upload; throws HttpErrors for every refusal. */
  async function acceptUpload(request: Request, watched: boolean): Promise<Job> {
    const reservation = queue.reserve();
    if (!reservation) throw busy(queue);
    try {
      const upload = await readUpload(request, limits.maxUploadBytes);
      const preset = upload.preset ?? DEFAULT_PRESET_ID;
      try {
        getPreset(preset);
      } catch (error) {
        throw new HttpError(400, (error as UserError).message);
      }
      await checkPhotoHeader(upload.bytes, limits.maxPixels);
      return queue.submit(reservation, upload.bytes, { preset, watched });
    } finally {
      reservation.release();
    }
  }

  async function route(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    const method = request.method;

    const asset = assets.get(pathname);
    if (asset) {
      allow(method, ["GET", "HEAD"]);
      return new Response(method === "HEAD" ? null : asset.body, {
        headers: {
          ...SECURITY_HEADERS,
          "content-type": asset.contentType,
          "cache-control": "no-cache",
        },
      });
    }
    if (pathname === "/healthz") {
      allow(method, ["GET", "HEAD"]);
      const { rss, heapUsed, external } = Deno.memoryUsage();
      const state = {
        ...queue.stats(),
        worker: workerRunning(),
        memoryMB: { rss: toMB(rss), heapUsed: toMB(heapUsed), external: toMB(external) },
      };
      if (queue.isFull()) {
        return jsonResponse({ status: "busy", ...state }, 503, {
          "retry-after": String(queue.retryAfterSeconds()),
        });
      }
      return jsonResponse({ status: "ok", ...state });
    }
    if (pathname === "/api/config") {
      allow(method, ["GET"]);
      return jsonResponse(config);
    }
    if (pathname === "/api/protect") {
      allow(method, ["POST"]);
      const job = await acceptUpload(request, false);
      const cancel = () => queue.cancel(job.id, "the client went away");
      request.signal.addEventListener("abort", cancel, { once: true });
      await job.finished;
      request.signal.removeEventListener("abort", cancel);
      const result = job.takeResult();
      const failure = job.failure;
      queue.forget(job);
      if (!result) throw new HttpError(failure?.status ?? 500, failure?.message ?? "no result");
      return photoResponse(result.bytes, result.contentType, result.format);
    }
    if (pathname === "/api/jobs") {
      allow(method, ["POST"]);
      const job = await acceptUpload(request, true);
      return jsonResponse({ id: job.id, position: job.position }, 202);
    }
    const match = pathname.match(JOB_PATH);
    if (match) {
      const [, id, sub] = match;
      const job = queue.get(id);
      if (!job) {
        throw new HttpError(
          404,
          "no such job: it finished more than " +
            `${limits.resultTtlMs / 60_000} minutes ago, was downloaded already, or never existed`,
        );
      }
      if (sub === "/events") {
        allow(method, ["GET"]);
        return jobEventStream(job);
      }
      if (sub === "/result") {
        allow(method, ["GET"]);
        if (job.state === "failed") throw new HttpError(job.failure!.status, job.failure!.message);
        if (job.state !== "done") throw new HttpError(409, "the photo is not ready yet");
        const result = job.takeResult();
        queue.forget(job); // handed out once, then gone
        if (!result) throw new HttpError(404, "this result was downloaded already");
        return photoResponse(result.bytes, result.contentType, result.format);
      }
      allow(method, ["GET", "DELETE"]);
      if (method === "DELETE") {
        queue.cancel(id, "the protection was cancelled");
        return new Response(null, { status: 204, headers: SECURITY_HEADERS });
      }
      return jsonResponse({
        id,
        state: job.state,
        position: job.position,
        progress: job.progress ?? null,
        summary: job.summary ?? null,
        error: job.failure?.message ?? null,
      });
    }
    throw new HttpError(404, "not found");
  }

  return async (request) => {
    try {
      return await route(request);
    } catch (error) {
      if (error instanceof HttpError) {
        return errorResponse(error.status, error.message, error.headers);
      }
      console.error(`serve: internal error: ${(error as Error)?.message ?? error}`);
      return errorResponse(500, "internal server error");
    }
  };
}

function toMB(bytes: number): number {
  return Math.round(bytes / 1024 / 1024 * 10) / 10;
}

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) {
    throw new HttpError(405, `method ${method} is not allowed here`, { allow: methods.join(", ") });
  }
}

function busy(queue: JobQueue): HttpError {
  const seconds = queue.retryAfterSeconds();
  const wait = seconds < 90 ? `${seconds} seconds` : `${Math.round(seconds / 60)} minutes`;
  return new HttpError(
    503,
    `the server is busy protecting other photos; please try again in about ${wait}`,
    { "retry-after": String(seconds) },
  );
}

function photoResponse(bytes: Uint8Array, contentType: string, format: string): Response {
  const extension = format === "jpeg" ? "jpg" : format;
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      ...SECURITY_HEADERS,
      "content-type": contentType,
      "content-length": String(bytes.byteLength),
      "content-disposition": `attachment; filename="protected.${extension}"`,
      "cache-control": "no-store",
    },
  });
}
