/** SHA-256 of bytes or files, as lowercase hex. */

/** Returns the SHA-256 of the bytes as lowercase hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Returns the SHA-256 of a file's contents as lowercase hex. */
export async function sha256File(path: string): Promise<string> {
  return sha256Hex(await Deno.readFile(path));
}
