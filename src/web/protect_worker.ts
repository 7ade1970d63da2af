/**
 * The protection worker: runs the filter off the server's main thread, so that pages,
 * progress streams and health checks keep answering while a photo is being protected
 * (TensorFlow.js computes synchronously between its awaits). One job at a time; the
 * photo lives only in this worker's memory and is handed back, never written anywhere.
 */
/// <reference lib="deno.worker" />
import sharp from "sharp";
import { initBackend } from "../backend.ts";
import { describeError, UserError } from "../errors.ts";
import { loadDetector, WHITEBOX_IDS } from "../detectors/registry.ts";
import { protectPhotoBytes } from "../protect/filter.ts";
import type { ToWorker } from "./worker_messages.ts";
import type { FromWorker, WorkerFailure } from "./worker_messages.ts";

// libvips would otherwise keep recent decodes (people's photos) in its operation cache.
sharp.cache(false);

const controllers = new Map<number, AbortController>();
// Jobs run one after another even if messages arrive while one is running.
let chain: Promise<void> = Promise.resolve();

function send(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

function failure(error: unknown, signal?: AbortSignal): WorkerFailure {
  if (signal?.aborted) return { kind: "abort", message: describeError(signal.reason) };
  if (error instanceof UserError) return { kind: "user", message: error.message };
  return { kind: "internal", message: describeError(error) };
}

async function warmUp(backend?: string): Promise<void> {
  await initBackend(backend);
  // The attacked detectors and the report's judges (every white-box detector).
  for (const id of WHITEBOX_IDS) await loadDetector(id);
}

async function protect(message: Extract<ToWorker, { type: "protect" }>): Promise<void> {
  const controller = controllers.get(message.id)!;
  try {
    await initBackend(message.backend);
    const result = await protectPhotoBytes(message.bytes, {
      preset: message.preset,
      signal: controller.signal,
      onProgress: (progress) => send({ type: "progress", id: message.id, progress }),
    });
    send({
      type: "done",
      id: message.id,
      bytes: result.bytes,
      contentType: result.contentType,
      format: result.format,
      report: result.report,
    }, [result.bytes.buffer as ArrayBuffer]);
  } catch (error) {
    send({ type: "failed", id: message.id, failure: failure(error, controller.signal) });
  } finally {
    controllers.delete(message.id);
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === "abort") {
    controllers.get(message.id)?.abort(new Error(message.reason));
    return;
  }
  if (message.type === "warmup") {
    chain = chain.then(() => warmUp(message.backend)).then(
      () => send({ type: "ready" }),
      (error) => send({ type: "ready", error: describeError(error) }),
    );
    return;
  }
  // Registered now, not when the job starts, so an abort sent while it waits still counts.
  controllers.set(message.id, new AbortController());
  chain = chain.then(() => protect(message));
};
