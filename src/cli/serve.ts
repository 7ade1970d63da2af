/**
 * `deno task serve [--port 8000] [--host 127.0.0.1] [--allow-host NAME,...] [--queue 3]
 *   [--job-minutes 10] [--upload-seconds 120] [--idle-minutes 2] [--backend B]`
 *
 * Serves the protection page and its API. Photos are processed in memory and never
 * stored or logged; the server prints only its address and internal errors.
 */
import { UserError } from "../errors.ts";
import { DEFAULT_LIMITS } from "../web/limits.ts";
import { startServer } from "../web/server.ts";
import { numberFlag, parseFlags, runCli } from "./run_cli.ts";

const USAGE =
  `usage: deno task serve [--port 8000] [--host 127.0.0.1] [--allow-host NAME,...] [--queue ${DEFAULT_LIMITS.maxWaiting}]
  [--job-minutes ${DEFAULT_LIMITS.jobTimeoutMs / 60_000}] [--upload-seconds ${
    DEFAULT_LIMITS.uploadDeadlineMs / 1000
  }] [--idle-minutes 2] [--backend auto|wasm|cpu|webgpu|tensorflow]
  --host 0.0.0.0 serves other machines too (the default serves this machine only)
  --allow-host names the server answers to besides its addresses and localhost (e.g. the
    name people type to reach it); requests naming any other host are refused`;

async function main(): Promise<number | void> {
  const { values, positionals } = parseFlags(Deno.args, {
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    "allow-host": { type: "string", default: "" },
    "upload-seconds": { type: "string" },
    queue: { type: "string" },
    "job-minutes": { type: "string" },
    "idle-minutes": { type: "string" },
    backend: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length) throw new UserError(`unexpected argument "${positionals[0]}"\n${USAGE}`);
  const port = numberFlag(values, "port", 8000, { min: 0, max: 65535, integer: true });
  const maxWaiting = numberFlag(values, "queue", DEFAULT_LIMITS.maxWaiting, {
    min: 0,
    max: 100,
    integer: true,
  });
  const jobMinutes = numberFlag(values, "job-minutes", DEFAULT_LIMITS.jobTimeoutMs / 60_000, {
    min: 0.1,
    max: 120,
  });
  const uploadSeconds = numberFlag(
    values,
    "upload-seconds",
    DEFAULT_LIMITS.uploadDeadlineMs / 1000,
    { min: 1, max: 3600 },
  );
  const allowedHosts = (values["allow-host"] as string).split(",").map((h) => h.trim())
    .filter((h) => h);
  // After this long without photos the protection worker stops and its memory is freed.
  const idleMinutes = numberFlag(values, "idle-minutes", 2, { min: 0.01, max: 1440 });
  let server;
  try {
    server = await startServer({
      port,
      hostname: values.host as string,
      backend: values.backend as string | undefined,
      workerIdleMs: idleMinutes * 60_000,
      allowedHosts,
      limits: {
        maxWaiting,
        jobTimeoutMs: jobMinutes * 60_000,
        uploadDeadlineMs: uploadSeconds * 1000,
        // Never longer than the whole upload may take.
        uploadIdleMs: Math.min(DEFAULT_LIMITS.uploadIdleMs, uploadSeconds * 1000),
      },
    });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new UserError(`port ${port} is already in use: choose another with --port`);
    }
    if (error instanceof Deno.errors.AddrNotAvailable || error instanceof Deno.errors.NotFound) {
      throw new UserError(`cannot listen on ${values.host}: not an address of this machine`);
    }
    throw error;
  }
  console.error(`serve: protecting photos at ${server.url}/ (Ctrl-C stops)`);
  let stopping = false;
  server.ready.then(
    () => console.error("serve: detectors loaded, ready"),
    (error) => {
      // Stopping before the detectors were loaded is no failure of the worker.
      if (!stopping) {
        console.error(`serve: error: the protection worker cannot start: ${error.message}`);
      }
    },
  );
  // Serves until Ctrl-C or SIGTERM; then jobs are cancelled and results dropped.
  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await stopped;
  stopping = true;
  await server.shutdown();
  return 0;
}

if (import.meta.main) runCli("serve", main);
