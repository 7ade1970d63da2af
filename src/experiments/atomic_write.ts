/**
 * Durable writes: text written whole and flushed to disk before anyone relies on it. A
 * file replaced whole goes through a temporary file beside it and a rename, so a reader or
 * a crash sees the old file or the new one, never half of either.
 */

/** Writes all of `text` to an open file and flushes it to disk, then closes the file. */
export async function writeSyncedAndClose(file: Deno.FsFile, text: string): Promise<void> {
  try {
    const bytes = new TextEncoder().encode(text);
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    await file.sync();
  } finally {
    file.close();
  }
}

/** Writes `text` to `path` through a flushed temporary file and a rename. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await writeSyncedAndClose(await Deno.open(temp, { write: true, createNew: true }), text);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
