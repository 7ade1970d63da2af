/**
 * Judging a protection's output as it will be shared: the encoded bytes decoded again,
 * faces per judge on them and on their JPEG q75 re-encode, the hidden message and the
 * metadata read back, and the change from the input measured outside the visible badge.
 */
import { loadDetector } from "../detectors/registry.ts";
import { countFacesInParallel, slowestFirst } from "../parallel/parallel_counts.ts";
import { decodeImage } from "../image/decode.ts";
import { jpegRoundTrip } from "../image/encode.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import type { Box } from "../marks/badge.ts";
import { type MarksFound, readMarks } from "../marks/metadata.ts";
import { linf } from "../metrics/perturbation_norms.ts";
import { psnr } from "../metrics/psnr.ts";
import { ssim } from "../metrics/ssim.ts";
import { extractMessage, type StegoReading } from "../stego/extract.ts";
import type { FilterFaceCounts } from "./filter.ts";

/** What the output shows. */
export interface OutputJudgement {
  /** Size of the decoded output. */
  width: number;
  /** Size of the decoded output. */
  height: number;
  /** Faces per judge. */
  faces: Record<string, FilterFaceCounts>;
  /** The hidden message read back (null when that layer is off). */
  stego: { output: StegoReading; after_jpeg75: StegoReading } | null;
  /** Metadata marks read back from the bytes. */
  metadata: MarksFound;
  /** PSNR (dB) against the input, outside the badge. */
  psnr_db: number;
  /** SSIM (RGB mean) against the input, outside the badge. */
  ssim: number;
  /** Largest per-channel change outside the badge, grey levels. */
  linf: number;
}

/** Judges the encoded output `bytes` of the input `image`. */
export async function judgeOutput(
  image: RgbImage,
  bytes: Uint8Array,
  options: {
    /** Detector ids that count faces. */
    judges: string[];
    /** Faces already counted on the input, per detector (the attack's own count). */
    cleanCounts: Record<string, number>;
    /** Whether a hidden message was embedded. */
    stego: boolean;
    /** Where the badge is, if drawn. */
    box?: Box;
    /** Throws when the protection was cancelled. */
    checkAbort: () => void;
    /** Threads the judges share (default: the attack's; see gradientThreads). */
    threads?: number;
    /** Called after each judge. */
    onJudged?: (done: number, total: number, id: string) => void;
  },
): Promise<OutputJudgement> {
  const written = await decodeImage(bytes);
  const reencoded = await jpegRoundTrip(written, 75);
  const judges = [];
  for (const id of options.judges) judges.push(await loadDetector(id));
  const order = slowestFirst(judges, image.height, image.width).map((d) => d.id);
  const jobs = order.map((id) => ({
    id,
    images: id in options.cleanCounts ? [written, reencoded] : [written, reencoded, image],
  }));
  let done = 0;
  const counts = await countFacesInParallel(jobs, {
    threads: options.threads,
    checkAbort: options.checkAbort,
    onDone: (id) => options.onJudged?.(++done, options.judges.length, id),
  });
  // The report lists judges in the order asked for.
  const faces: Record<string, FilterFaceCounts> = {};
  for (const id of options.judges) {
    const [output, after_jpeg75, clean] = counts[order.indexOf(id)];
    faces[id] = { clean: options.cleanCounts[id] ?? clean, output, after_jpeg75 };
  }
  const stego = options.stego
    ? { output: extractMessage(written), after_jpeg75: extractMessage(reencoded) }
    : null;
  const metadata = await readMarks(bytes);
  const outsideBadge = options.box ? restoreBox(written, image, options.box) : written;
  return {
    width: written.width,
    height: written.height,
    faces,
    stego,
    metadata,
    psnr_db: round(psnr(image, outsideBadge), 2),
    ssim: round(ssim(image, outsideBadge), 4),
    linf: linf(image, outsideBadge),
  };
}

/** A copy of `image` with `box` taken from `source`: quality is measured outside the badge. */
export function restoreBox(image: RgbImage, source: RgbImage, box: Box): RgbImage {
  const data = image.data.slice();
  for (let y = box.top; y < box.top + box.height; y++) {
    const from = (y * image.width + box.left) * 3;
    data.set(source.data.subarray(from, from + box.width * 3), from);
  }
  return { width: image.width, height: image.height, data };
}

function round(value: number, digits: number): number {
  if (!Number.isFinite(value)) return value;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
