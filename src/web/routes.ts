/**
 * The server's route table: for each path (or path pattern), the handler of each method
 * it answers. Handlers throw HttpErrors for every refusal; the dispatcher in server.ts
 * turns them into answers and answers 404 and 405 itself.
 */
import type { UserError } from "../errors.ts";
import { DEFAULT_PRESET_ID, getPreset, PRESETS } from "../protect/presets.ts";
import { SUPPORTED_FORMATS } from "../image/decode.ts";
import { checkPhotoHeader } from "./check_photo.ts";
import { jobEventStream } from "./event_stream.ts";
import { HttpError, jsonResponse } from "./http_error.ts";
import type { Job, JobQueue } from "./job_queue.ts";
import { formatBytes, type ServerLimits } from "./limits.ts";
import { SECURITY_HEADERS } from "./security_headers.ts";
import type { Asset } from "./static_assets.ts";
import { readUpload } from "./upload.ts";

/** Answers one request; `params` are the path pattern's captured parts. */
export type RouteHandler = (request: Request, params: string[]) => Promise<Response> | Response;

/** A path (exact) or pattern, and its handler per method. */
export interface Route {
  /** Exact path, or a pattern whose groups become the handler's params. */
  path: string | RegExp;
  /** Handlers by method ("GET", "POST", ...). */
  methods: Readonly<Record<string, RouteHandler>>;
}

/** What the routes work with. */
export interface RouteContext {
  /** The job queue. */
  queue: JobQueue;
  /** The page's files by path. */
  assets: ReadonlyMap<string, Asset>;
  /** Limits and queue sizes. */
  limits: ServerLimits;
  /** Whether the protection worker runs now. */
  workerRunning: () => boolean;
}

const JOB_ID = "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})";

/** Every route of the server, in the order they are matched. */
export function routeTable(context: RouteContext): Route[] {
  const { queue, assets, limits } = context;
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
  const job = (id: string): Job => {
    const found = queue.get(id);
    if (found) return found;
    throw new HttpError(
      404,
      "no such job: it finished more than " +
        `${limits.resultTtlMs / 60_000} minutes ago, was downloaded already, or never existed`,
    );
  };

  const pages: Route[] = [...assets].map(([path, asset]) => {
    const serve = (request: Request) =>
      new Response(request.method === "HEAD" ? null : asset.body, {
        headers: {
          ...SECURITY_HEADERS,
          "content-type": asset.contentType,
          "cache-control": "no-cache",
        },
      });
    return { path, methods: { GET: serve, HEAD: serve } };
  });
  const health = () => {
    const { rss, heapUsed, external } = Deno.memoryUsage();
    const state = {
      ...queue.stats(),
      worker: context.workerRunning(),
      memoryMB: { rss: toMB(rss), heapUsed: toMB(heapUsed), external: toMB(external) },
    };
    if (queue.isFull()) {
      return jsonResponse({ status: "busy", ...state }, 503, {
        "retry-after": String(queue.retryAfterSeconds()),
      });
    }
    return jsonResponse({ status: "ok", ...state });
  };

  return [
    ...pages,
    { path: "/healthz", methods: { GET: health, HEAD: health } },
    { path: "/api/config", methods: { GET: () => jsonResponse(config) } },
    {
      path: "/api/protect",
      methods: {
        POST: async (request) => {
          const job = await acceptUpload(context, request, false);
          const cancel = () => queue.cancel(job.id, "the client went away");
          request.signal.addEventListener("abort", cancel, { once: true });
          await job.finished;
          request.signal.removeEventListener("abort", cancel);
          const result = job.takeResult();
          const failure = job.failure;
          queue.forget(job);
          if (!result) throw new HttpError(failure?.status ?? 500, failure?.message ?? "no result");
          return photoResponse(result.bytes, result.contentType, result.format);
        },
      },
    },
    {
      path: "/api/jobs",
      methods: {
        POST: async (request) => {
          const job = await acceptUpload(context, request, true);
          return jsonResponse({ id: job.id, position: job.position }, 202);
        },
      },
    },
    {
      path: new RegExp(`^/api/jobs/${JOB_ID}/events$`),
      methods: { GET: (_, [id]) => jobEventStream(job(id)) },
    },
    {
      path: new RegExp(`^/api/jobs/${JOB_ID}/result$`),
      methods: {
        GET: (_, [id]) => {
          const found = job(id);
          if (found.state === "failed") {
            throw new HttpError(found.failure!.status, found.failure!.message);
          }
          if (found.state !== "done") throw new HttpError(409, "the photo is not ready yet");
          const result = found.takeResult();
          queue.forget(found); // handed out once, then gone
          if (!result) throw new HttpError(404, "this result was downloaded already");
          return photoResponse(result.bytes, result.contentType, result.format);
        },
      },
    },
    {
      path: new RegExp(`^/api/jobs/${JOB_ID}$`),
      methods: {
        GET: (_, [id]) => {
          const found = job(id);
          return jsonResponse({
            id,
            state: found.state,
            position: found.position,
            progress: found.progress ?? null,
            summary: found.summary ?? null,
            error: found.failure?.message ?? null,
          });
        },
        DELETE: (_, [id]) => {
          job(id);
          queue.cancel(id, "the protection was cancelled");
          return new Response(null, { status: 204, headers: SECURITY_HEADERS });
        },
      },
    },
  ];
}

/**
 * Reads, checks and queues an upload; throws HttpErrors for every refusal. The place in
 * the queue is held only while the body arrives within the upload's time limits.
 */
async function acceptUpload(
  { queue, limits }: RouteContext,
  request: Request,
  watched: boolean,
): Promise<Job> {
  const reservation = queue.reserve();
  if (!reservation) throw busy(queue);
  try {
    const upload = await readUpload(request, limits.maxUploadBytes, {
      deadlineMs: limits.uploadDeadlineMs,
      idleMs: limits.uploadIdleMs,
    });
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

function toMB(bytes: number): number {
  return Math.round(bytes / 1024 / 1024 * 10) / 10;
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
