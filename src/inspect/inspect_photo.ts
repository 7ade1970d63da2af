/**
 * "How do I know my photo is protected?": reads a photo's metadata marks (with exifr), its
 * hidden message and confidence, and the faces each registered detector finds, and sums
 * them up in one line. The hidden message is either the do-not-process code (shown as
 * "EQAI-DNP/1" with what it means) or a text, such as the long statement that photos
 * protected before the code carry.
 */
import { DEFAULT_SOURCE_IDS, DETECTOR_IDS, loadDetector } from "../detectors/registry.ts";
import { decodeImage, type DecodeOptions } from "../image/decode.ts";
import { type MarksFound, readMarks } from "../marks/metadata.ts";
import { extractMessage } from "../stego/extract.ts";
import { doNotProcessMeaning, parseDoNotProcess } from "../stego/message.ts";

/** What `inspect --json` prints. */
export interface InspectReport {
  /** Metadata marks and identifying fields found. */
  metadata: MarksFound;
  /**
   * The hidden message (null when none decodes), the mark's signal strength 0..1, and the
   * do-not-process code it is, if it is one (its version and meaning), else null.
   */
  stego: { message: string | null; confidence: number; code: DoNotProcessCode | null };
  /** Faces per detector id. */
  detectors: Record<string, number>;
  /** One line summing it up. */
  verdict: string;
}

/** A do-not-process code found in a photo. */
export interface DoNotProcessCode {
  /** Code version (1 so far). */
  version: number;
  /** What it means, e.g. "no consent to automated face detection or recognition". */
  meaning: string;
}

/** The do-not-process code a hidden message is, or null. */
export function readDoNotProcess(message: string | null): DoNotProcessCode | null {
  const version = message === null ? null : parseDoNotProcess(message);
  return version === null ? null : { version, meaning: doNotProcessMeaning(version) };
}

/** Options of an inspection. */
export interface InspectOptions {
  /** Detectors to run (default: every registered one, all families). */
  detectors?: readonly string[];
  /** Decoding limits and the name used in error messages. */
  decode?: DecodeOptions;
}

/**
 * Inspects encoded photo bytes (JPEG, PNG or WebP).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { inspectPhoto } from "./inspect_photo.ts";
 * await initBackend("wasm");
 * const bytes = await Deno.readFile("data/dev/aksel-andersson-w256.jpg");
 * const report = await inspectPhoto(bytes, { detectors: ["blazeface-front"] }); // default: all
 * assert.equal(report.detectors["blazeface-front"], 1);
 * assert.equal(report.stego.code, null);
 * assert.match(report.verdict, /^not protected; no EqualAIs marks/);
 * ```
 */
export async function inspectPhoto(
  bytes: Uint8Array,
  options: InspectOptions = {},
): Promise<InspectReport> {
  // Decoding first: a bad file gets decode's one-line reason before anything else runs.
  const image = await decodeImage(bytes, options.decode);
  const metadata = await readMarks(bytes);
  const reading = extractMessage(image);
  const stego = {
    message: reading.message,
    confidence: round(reading.confidence, 3),
    code: readDoNotProcess(reading.message),
  };
  const detectors: Record<string, number> = {};
  for (const id of options.detectors ?? DETECTOR_IDS) {
    detectors[id] = (await (await loadDetector(id)).detect(image)).length;
  }
  return { metadata, stego, detectors, verdict: verdict(metadata, stego.message, detectors) };
}

/** The one-line summary: marks, faces hidden from the attacked detectors, the rest. */
export function verdict(
  metadata: MarksFound,
  message: string | null,
  detectors: Record<string, number>,
): string {
  const marks: string[] = [];
  const code = readDoNotProcess(message);
  if (code) marks.push(`do-not-process code found (${code.meaning})`);
  else if (message !== null) marks.push("hidden message");
  if (metadata.dataMiningProhibited) marks.push(`metadata (${metadata.dataMining})`);
  const ids = Object.keys(detectors);
  const seeing = ids.filter((id) => detectors[id] > 0);
  const sources = DEFAULT_SOURCE_IDS.filter((id) => id in detectors);
  const sourcesBlind = sources.length > 0 && sources.every((id) => detectors[id] === 0);
  let head: string;
  if (seeing.length === 0) head = marks.length ? "protected" : "no faces found";
  else if (sourcesBlind) head = marks.length ? "protected" : "faces hidden but unmarked";
  else head = marks.length ? "marked, but faces still found" : "not protected";
  const parts = [head];
  parts.push(marks.length ? `marks: ${marks.join(", ")}` : "no EqualAIs marks");
  if (seeing.length === 0) parts.push(`no face found by any of ${ids.length} detectors`);
  else {
    parts.push(
      `faces found by ${seeing.length} of ${ids.length} detectors (${seeing.join(", ")})`,
    );
  }
  if (metadata.identifying.length) {
    parts.push(`carries identifying metadata: ${metadata.identifying.join(", ")}`);
  }
  return parts.join("; ");
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
