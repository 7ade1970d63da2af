/**
 * A job's progress as server-sent events: the job's state at once, then every change,
 * ending after "done" or "failed". A comment line every 15 s keeps idle connections open.
 */
import type { Job, JobEvent } from "./job_queue.ts";
import { SECURITY_HEADERS } from "./security_headers.ts";

const HEARTBEAT_MS = 15_000;

/** Streams a job's events to the browser (EventSource) until it finishes or the page leaves. */
export function jobEventStream(job: Job): Response {
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const send = (event: JobEvent) => {
        if (closed) return;
        controller.enqueue(
          encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
        );
        if (event.type === "done" || event.type === "failed") {
          cleanup();
          controller.close();
        }
      };
      const heartbeat = setInterval(() => {
        if (!closed) controller.enqueue(encoder.encode(": waiting\n\n"));
      }, HEARTBEAT_MS);
      let unsubscribe = () => {};
      cleanup = () => {
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
      };
      unsubscribe = job.subscribe(send);
      send(job.currentEvent());
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, {
    headers: {
      ...SECURITY_HEADERS,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}
