/**
 * Helpers for the server's tests: small sample photos written to a folder, uploads, and
 * raw HTTP requests that no client library normalises.
 */
import sharp from "sharp";
import { SAMPLE_PATHS } from "../testing/fixtures.ts";

/** Writes sample `index` (1-based) scaled to `width` pixels as a JPEG; returns its path. */
export async function writeSmallSample(dir: string, width: number, index = 1): Promise<string> {
  const path = `${dir}/sample${index}-${width}.jpg`;
  await sharp(SAMPLE_PATHS[index - 1]).resize({ width }).jpeg({ quality: 92 }).toFile(path);
  return path;
}

/** A multipart form with the photo in the field "image" (if given) and other fields. */
export function photoForm(
  photo?: { bytes: Uint8Array; name: string; type?: string },
  fields: Record<string, string> = {},
): FormData {
  const form = new FormData();
  if (photo) {
    const blob = new Blob([photo.bytes as Uint8Array<ArrayBuffer>], {
      type: photo.type ?? "image/jpeg",
    });
    form.append("image", blob, photo.name);
  }
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
}

/** Sends `request` (a raw HTTP/1.1 request head) to the server and returns the status code. */
export async function rawRequestStatus(port: number, request: string): Promise<number> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await connection.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(4096);
    let text = "";
    while (!text.includes("\r\n")) {
      const read = await connection.read(buffer);
      if (read === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, read));
    }
    const status = Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1]);
    if (!Number.isInteger(status)) {
      throw new Error(`no HTTP status line in ${JSON.stringify(text)}`);
    }
    return status;
  } finally {
    connection.close();
  }
}
