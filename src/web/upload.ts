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

/** Reads the photo of a multipart upload; throws an HttpError (400, 413, 415) naming the problem. */
export async function readUpload(request: Request, maxFileBytes: number): Promise<Upload> {
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
  const body = await readBounded(request, maxBodyBytes, maxFileBytes);

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

/** Reads a request body, stopping with 413 as soon as it exceeds `maxBytes`. */
async function readBounded(
  request: Request,
  maxBytes: number,
  maxFileBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!request.body) throw new HttpError(400, "the request has no body: send a photo");
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
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
