/**
 * Reading an uploaded photo from a multipart/form-data request without ever holding more
 * than the size limit: refused from Content-Length when that is declared too large, and
 * cut off while reading when the body grows past the limit.
 */
import { formatBytes, MULTIPART_OVERHEAD_BYTES } from "./limits.ts";
import { HttpError } from "./http_error.ts";

/** The photo and the form fields sent with it. */
export interface Upload {
  /** The photo file's bytes. */
  bytes: Uint8Array;
  /** The strength preset field, if sent. */
  preset?: string;
}

/** The form field that carries the photo. */
export const IMAGE_FIELD = "image";

/** How long reading an upload's body may take. */
export interface UploadTimes {
  /** The whole body, in milliseconds. */
  deadlineMs: number;
  /** Longest wait for the next bytes, in milliseconds. */
  idleMs: number;
}

/**
 * Reads the photo of a multipart upload; throws an HttpError (400, 408, 413, 415) naming
 * the problem. A client that sends too slowly gets 408 once `times` run out, so that it
 * cannot hold its place in the queue.
 */
export async function readUpload(
  request: Request,
  maxFileBytes: number,
  times: UploadTimes,
): Promise<Upload> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new HttpError(
      415,
      `send the photo as multipart/form-data in the field "${IMAGE_FIELD}" (got ${
        type ? `"${type.split(";")[0]}"` : "no content type"
      })`,
    );
  }
  const maxBodyBytes = maxFileBytes + MULTIPART_OVERHEAD_BYTES;
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > maxBodyBytes) throw tooLarge(maxFileBytes, declared);
  const body = await readBounded(request, maxBodyBytes, maxFileBytes, times);

  let form: FormData;
  try {
    form = await new Response(body, { headers: { "content-type": type } }).formData();
  } catch {
    throw new HttpError(400, "the upload is not a well-formed multipart/form-data body");
  }
  const file = form.get(IMAGE_FIELD);
  if (file === null) {
    throw new HttpError(400, `no photo in the request: send it in the form field "${IMAGE_FIELD}"`);
  }
  if (typeof file === "string") {
    throw new HttpError(400, `the field "${IMAGE_FIELD}" must be a file, not text`);
  }
  if (file.size > maxFileBytes) throw tooLarge(maxFileBytes, file.size);
  if (file.size === 0) throw new HttpError(400, "the photo is empty (0 bytes)");
  const preset = form.get("preset");
  if (preset !== null && typeof preset !== "string") {
    throw new HttpError(400, 'the field "preset" must be text');
  }
  return { bytes: new Uint8Array(await file.arrayBuffer()), preset: preset || undefined };
}

function tooLarge(maxFileBytes: number, size?: number): HttpError {
  const got = size === undefined ? "" : ` (this one is ${formatBytes(size)})`;
  return new HttpError(413, `the photo is too large${got}: at most ${formatBytes(maxFileBytes)}`);
}

/**
 * Reads a request body, stopping with 413 as soon as it exceeds `maxBytes`, and with 408
 * when it takes longer than the deadline or stalls for longer than the idle time.
 */
async function readBounded(
  request: Request,
  maxBytes: number,
  maxFileBytes: number,
  times: UploadTimes,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!request.body) throw new HttpError(400, "the request has no body: send a photo");
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  const deadline = performance.now() + times.deadlineMs;
  let total = 0;
  try {
    while (true) {
      const left = deadline - performance.now();
      const chunk = await readWithin(reader, Math.min(times.idleMs, left));
      if (chunk === TIMED_OUT) {
        await reader.cancel().catch(() => {});
        throw tooSlow(left <= times.idleMs, times);
      }
      const { done, value } = chunk;
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(maxFileBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, "the upload was interrupted before it was complete");
  } finally {
    reader.releaseLock();
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const TIMED_OUT = Symbol("timed out");

/** The next read, or TIMED_OUT when nothing comes within `ms`. */
async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  ms: number,
): Promise<ReadableStreamReadResult<Uint8Array> | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
  });
  try {
    return await Promise.race([reader.read(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function tooSlow(deadline: boolean, times: UploadTimes): HttpError {
  return new HttpError(
    408,
    deadline
      ? `the upload took longer than ${seconds(times.deadlineMs)}: please try again on a ` +
        "faster connection, or with a smaller photo"
      : `the upload stalled (nothing arrived for ${seconds(times.idleMs)}): please try again`,
  );
}

function seconds(ms: number): string {
  const s = +(ms / 1000).toFixed(1);
  return s >= 90 ? `${+(s / 60).toFixed(1)} minutes` : `${s} seconds`;
}
