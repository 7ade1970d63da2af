/**
 * The page's files, read once at start-up and served from memory by exact name: there is
 * no file-system lookup per request, so no path can reach anything else.
 */

/** One file of the page. */
export interface Asset {
  /** File contents. */
  body: Uint8Array<ArrayBuffer>;
  /** Content-Type header. */
  contentType: string;
}

const FILES: Readonly<Record<string, { file: string; contentType: string }>> = {
  "/": { file: "index.html", contentType: "text/html; charset=utf-8" },
  "/style.css": { file: "style.css", contentType: "text/css; charset=utf-8" },
  "/app.js": { file: "app.js", contentType: "text/javascript; charset=utf-8" },
  "/icon.svg": { file: "icon.svg", contentType: "image/svg+xml" },
};

/** Reads the page's files into a map from URL path to contents. */
export async function loadAssets(): Promise<ReadonlyMap<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const [path, { file, contentType }] of Object.entries(FILES)) {
    const body = await Deno.readFile(new URL(`./static/${file}`, import.meta.url));
    assets.set(path, { body, contentType });
  }
  return assets;
}
