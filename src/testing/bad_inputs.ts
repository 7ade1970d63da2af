/**
 * Real bad files for tests: what users actually feed a tool by mistake.
 */
import sharp from "sharp";
import { SAMPLE_PATHS } from "./fixtures.ts";

/** Paths of bad inputs written into a folder. */
export interface BadInputs {
  /** A path that does not exist. */
  missing: string;
  /** A 0-byte file named .jpg. */
  empty: string;
  /** A text file named .jpg. */
  text: string;
  /** The first 40% of a real JPEG. */
  truncated: string;
  /** A valid 8000x7000 PNG (56 megapixels), small on disk. */
  huge: string;
  /** A real GIF named .jpg. */
  gif: string;
  /** A real PNG with one byte of its image data chunk changed. */
  corruptPng: string;
}

/** Writes one file of each kind into `dir`. */
export async function makeBadInputs(dir: string): Promise<BadInputs> {
  const paths: BadInputs = {
    missing: `${dir}/does-not-exist.jpg`,
    empty: `${dir}/empty.jpg`,
    text: `${dir}/notes.jpg`,
    truncated: `${dir}/truncated.jpg`,
    huge: `${dir}/huge.png`,
    gif: `${dir}/animation.jpg`,
    corruptPng: `${dir}/corrupt.png`,
  };
  await Deno.writeFile(paths.empty, new Uint8Array());
  await Deno.writeTextFile(paths.text, "this is a shopping list, not a photo\n");
  const jpeg = await Deno.readFile(SAMPLE_PATHS[0]);
  await Deno.writeFile(paths.truncated, jpeg.subarray(0, Math.floor(jpeg.length * 0.4)));
  await sharp({ create: { width: 8000, height: 7000, channels: 3, background: "#888" } })
    .png({ compressionLevel: 9 }).toFile(paths.huge);
  await sharp({ create: { width: 32, height: 32, channels: 3, background: "#0a0" } }).gif()
    .toFile(paths.gif);
  const png = new Uint8Array(
    await sharp(jpeg).resize(64).png({ compressionLevel: 0 }).toBuffer(),
  );
  const idat = findChunk(png, "IDAT");
  png[idat + 200] ^= 0xff; // inside the IDAT data: the CRC no longer matches
  await Deno.writeFile(paths.corruptPng, png);
  return paths;
}

function findChunk(png: Uint8Array, type: string): number {
  const codes = [...type].map((c) => c.charCodeAt(0));
  for (let i = 8; i < png.length - 4; i++) {
    if (codes.every((code, k) => png[i + k] === code)) return i;
  }
  throw new Error(`PNG has no ${type} chunk`);
}

/** Writes a valid grey PNG of about `megapixels` (4:3, a few hundred KB on disk) to `path`. */
export async function writeHugePng(path: string, megapixels = 60): Promise<void> {
  const height = Math.ceil(Math.sqrt(megapixels * 1e6 * 3 / 4));
  const width = Math.ceil(megapixels * 1e6 / height);
  await sharp({ create: { width, height, channels: 3, background: "#777" } })
    .png({ compressionLevel: 9 }).toFile(path);
}

/**
 * Writes a real JPEG (a sample photo) followed by random bytes up to `totalBytes`: a file
 * decoders accept, only too large to upload.
 */
export async function writeOversizedJpeg(path: string, totalBytes: number): Promise<void> {
  const jpeg = await Deno.readFile(SAMPLE_PATHS[0]);
  const file = new Uint8Array(totalBytes);
  file.set(jpeg.subarray(0, Math.min(jpeg.length, totalBytes)));
  for (let offset = jpeg.length; offset < totalBytes; offset += 65536) {
    crypto.getRandomValues(file.subarray(offset, Math.min(totalBytes, offset + 65536)));
  }
  await Deno.writeFile(path, file);
}
