/**
 * Helpers for the server's tests: small sample photos written to a folder, uploads, raw
 * HTTP requests that no client library normalises, and the serve command as a process.
 */
import sharp from "sharp";
import { PROJECT_ROOT } from "../paths.ts";
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

/** A `serve` command running as its own process. */
export interface ServeProcess {
  /** Base URL it listens on. */
  url: string;
  /** Sends SIGTERM and waits; returns the exit code and everything it printed on stderr. */
  stop(): Promise<{ code: number; log: string }>;
}

/**
 * Starts `src/cli/serve.ts --port 0` with `args` as a user would (through `deno task serve`
 * when `viaTask`), and resolves once it prints its address.
 */
export async function spawnServe(args: string[], viaTask = false): Promise<ServeProcess> {
  const command = viaTask ? ["task", "serve"] : [
    "run",
    "-A",
    "--unstable-no-legacy-abort",
    `${PROJECT_ROOT}/src/cli/serve.ts`,
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args: [...command, "--port", "0", ...args],
    cwd: PROJECT_ROOT,
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let log = "";
  let url: string | undefined;
  while (!url) {
    const { value, done } = await stderr.read();
    if (done) {
      await child.status;
      throw new Error(`serve ended before listening: ${log}`);
    }
    log += value;
    url = log.match(/protecting photos at (http:\/\/127\.0\.0\.1:\d+)\//)?.[1];
  }
  // Keep reading so the child never blocks on a full pipe.
  const drained = (async () => {
    while (true) {
      const { value, done } = await stderr.read();
      if (done) return;
      log += value;
    }
  })();
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      const status = await child.status;
      await drained;
      return { code: status.code, log };
    },
  };
}
