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
 *
 * Every request must name the server by an address or an allowed host name, and a
 * browser's request must come from the server's own page (see request_source.ts); an
 * upload must arrive within the upload time limits (408 otherwise).
 */
import { errorResponse, HttpError } from "./http_error.ts";
import { JobQueue } from "./job_queue.ts";
import { DEFAULT_LIMITS, type ServerLimits } from "./limits.ts";
import { allowedHostNames, checkRequestSource } from "./request_source.ts";
import { type Route, routeTable } from "./routes.ts";
import { type Asset, loadAssets } from "./static_assets.ts";
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
  /** Host names answered to besides addresses, localhost and `hostname` (see request_source.ts). */
  allowedHosts?: string[];
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

/** Starts the server; resolves once it listens. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const hostname = options.hostname ?? "127.0.0.1";
  const hosts = allowedHostNames(hostname, options.allowedHosts);
  const assets = await loadAssets();
  const protector = new WorkerProtector({
    backend: options.backend,
    idleStopMs: options.workerIdleMs,
  });
  const queue = new JobQueue((bytes, request) => protector.protect(bytes, request), limits);
  const ready = options.warmUp === false ? Promise.resolve() : protector.warmUp();
  ready.catch(() => {}); // reported through `ready`; jobs report their own failures

  const handler = createHandler(queue, assets, limits, () => protector.running, hosts);
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port: options.port ?? 8000,
    hostname,
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

/**
 * The request handler, given a queue and the page's files: checks where the request comes
 * from, finds its route and method, and turns refusals into JSON error answers.
 */
export function createHandler(
  queue: JobQueue,
  assets: ReadonlyMap<string, Asset>,
  limits: ServerLimits,
  workerRunning: () => boolean = () => false,
  hosts: ReadonlySet<string> = allowedHostNames("127.0.0.1"),
): (request: Request) => Promise<Response> {
  const routes = routeTable({ queue, assets, limits, workerRunning });
  return async (request) => {
    try {
      checkRequestSource(request, hosts);
      const { pathname } = new URL(request.url);
      const { route, params } = findRoute(routes, pathname);
      const handle = route.methods[request.method];
      if (!handle) {
        const allowed = Object.keys(route.methods).join(", ");
        throw new HttpError(405, `method ${request.method} is not allowed here`, {
          allow: allowed,
        });
      }
      return await handle(request, params);
    } catch (error) {
      if (error instanceof HttpError) {
        return errorResponse(error.status, error.message, error.headers);
      }
      console.error(`serve: internal error: ${(error as Error)?.message ?? error}`);
      return errorResponse(500, "internal server error");
    }
  };
}

/** The route of `pathname` and its captured parts; 404 when there is none. */
function findRoute(routes: readonly Route[], pathname: string): { route: Route; params: string[] } {
  for (const route of routes) {
    if (route.path === pathname) return { route, params: [] };
    if (route.path instanceof RegExp) {
      const match = pathname.match(route.path);
      if (match) return { route, params: match.slice(1) };
    }
  }
  throw new HttpError(404, "not found");
}
