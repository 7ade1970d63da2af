/**
 * Protecting a set of photos the way a person would, one at a time with the whole filter,
 * and judging each written file: per-photo success against the attacked detectors (the
 * headline), pooled face rates, what black-box judges of other families still see,
 * image quality outside the badge (PSNR, SSIM, CIEDE2000) and time.
 */
import { decodeImage, readFileBytes } from "../image/decode.ts";
import { type FilterOptions, protectPhotoBytes, restoreBox } from "../protect/filter.ts";
import type { RungOutcome } from "../protect/perturb_photo.ts";
import { evaluatePair } from "./evaluate_pair.ts";
import { colorDifference } from "../metrics/ciede2000.ts";
import { protectedShare } from "./photo_protected.ts";
import { median } from "../metrics/median.ts";

/** What one protected photo gave. */
export interface ProtectedPhotoRow {
  /** Photo path as given. */
  photo: string;
  /** Size in pixels. */
  width: number;
  /** Size in pixels. */
  height: number;
  /** The headline: no attacked detector finds a face on the file or after JPEG q75. */
  fully_protected: boolean;
  /** Per attacked detector: faces on the clean photo, the written file and its q75 copy. */
  attacked: Record<string, { clean: number; output: number; after_jpeg75: number }>;
  /** Per black-box judge: reference faces found on clean and protected, identity and q75. */
  judges: Record<string, { clean: number; output: number; after_jpeg75: number }>;
  /** Budget the photo got, the ceiling, and each budget tried. */
  budget: { used: number; ceiling: number; tried: RungOutcome[] };
  /** Steps run. */
  steps_run: number;
  /** Seconds the protection took (the filter alone, its own checks included). */
  seconds: number;
  /** Quality of the written file outside the badge. */
  psnr_db: number;
  /** SSIM (RGB mean), outside the badge. */
  ssim: number;
  /** CIEDE2000 colour difference, mean over pixels, outside the badge. */
  ciede2000_mean: number;
  /** CIEDE2000, 99th percentile, outside the badge. */
  ciede2000_p99: number;
  /** Whether the hidden message read back after JPEG q75 (null when it was not hidden). */
  stego_after_jpeg75: boolean | null;
  /** The filter's notes. */
  notes: string[];
}

/**
 * Protects one photo file with the filter and judges the result (`label` names it in the row).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { protectAndJudge } from "./protect_set.ts";
 * await initBackend("wasm");
 * const judges = ["blazeface-front"]; // quick: one detector attacked and judging
 * const options = { perturb: { detectors: judges, steps: 40 }, judges };
 * const row = await protectAndJudge("data/dev/aksel-andersson-w256.jpg", options, judges);
 * assert.equal(row.fully_protected, true);
 * assert.deepEqual(row.judges["blazeface-front"], { clean: 1, output: 0, after_jpeg75: 0 });
 * assert.equal(row.stego_after_jpeg75, true);
 * ```
 */
export async function protectAndJudge(
  path: string,
  options: FilterOptions,
  judges: string[],
  label = path,
): Promise<ProtectedPhotoRow> {
  const bytes = await readFileBytes(path);
  const result = await protectPhotoBytes(bytes, { ...options, decode: { label: path } });
  const { report } = result;
  const clean = await decodeImage(bytes);
  const written = await decodeImage(result.bytes);
  const attacked: ProtectedPhotoRow["attacked"] = {};
  for (const id of report.attacked) {
    const c = report.faces[id];
    attacked[id] = { clean: c.clean, output: c.output, after_jpeg75: c.after_jpeg75 };
  }
  const judged: ProtectedPhotoRow["judges"] = {};
  if (judges.length > 0) {
    const evaluation = await evaluatePair(clean, written, ["identity", "jpeg75"], judges);
    for (const id of judges) {
      const on = (channel: string) =>
        evaluation.results.find((r) => r.detector === id && r.channel === channel)!;
      judged[id] = {
        clean: on("identity").clean_faces,
        output: on("identity").matched,
        after_jpeg75: on("jpeg75").matched,
      };
    }
  }
  const outside = report.badge ? restoreBox(written, clean, report.badge) : written;
  const color = colorDifference(clean, outside);
  return {
    photo: label,
    width: report.width,
    height: report.height,
    fully_protected: report.fully_protected,
    attacked,
    judges: judged,
    budget: report.budget,
    steps_run: report.steps_run,
    seconds: report.seconds,
    psnr_db: report.psnr_db,
    ssim: report.ssim,
    ciede2000_mean: round(color.mean, 3),
    ciede2000_p99: round(color.p99, 3),
    stego_after_jpeg75: report.stego ? report.stego.after_jpeg75.message !== null : null,
    notes: report.notes,
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Summary of a protected set. */
export interface ProtectionSummary {
  /** Photos judged. */
  photos: number;
  /** Photos fully protected. */
  fully_protected: number;
  /** Share fully protected, 0..1. */
  fully_protected_share: number;
  /** Per attacked detector, pooled: faces left on the file and after q75, over clean faces. */
  attacked: Record<string, { clean: number; output: number; after_jpeg75: number }>;
  /** Per black-box judge, pooled reference faces found: clean, output, after q75. */
  judges: Record<string, { clean: number; output: number; after_jpeg75: number }>;
  /** Median and worst quality. */
  quality: {
    ssim_median: number;
    ssim_worst: number;
    psnr_median: number;
    psnr_worst: number;
    ciede2000_mean_median: number;
    ciede2000_p99_median: number;
    photos_below_ssim_095: number;
  };
  /** Median and longest seconds per photo. */
  seconds: { median: number; max: number };
  /** How many photos ended at each budget (0: no face to hide). */
  budgets_used: Record<string, number>;
}

/**
 * Pools a set's rows into the numbers a person and a reviewer look at.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ProtectedPhotoRow, summarizeProtection } from "./protect_set.ts";
 * const row: ProtectedPhotoRow = {
 *   photo: "a.jpg", width: 256, height: 235, fully_protected: true, judges: {},
 *   attacked: { "blazeface-front": { clean: 1, output: 0, after_jpeg75: 0 } },
 *   budget: { used: 7.75, ceiling: 16, tried: [] }, steps_run: 50, seconds: 2, psnr_db: 46,
 *   ssim: 0.99, ciede2000_mean: 0.6, ciede2000_p99: 5.2, stego_after_jpeg75: true, notes: [],
 * };
 * const left = { "blazeface-front": { clean: 1, output: 1, after_jpeg75: 1 } };
 * const summary = summarizeProtection([row, { ...row, fully_protected: false, attacked: left }]);
 * assert.equal(summary.fully_protected_share, 0.5);
 * assert.deepEqual(summary.attacked["blazeface-front"], { clean: 2, output: 1, after_jpeg75: 1 });
 * ```
 */
export function summarizeProtection(rows: readonly ProtectedPhotoRow[]): ProtectionSummary {
  if (rows.length === 0) throw new RangeError("no photos to summarise");
  const pool = (pick: (r: ProtectedPhotoRow) => ProtectedPhotoRow["attacked"]) => {
    const out: Record<string, { clean: number; output: number; after_jpeg75: number }> = {};
    for (const row of rows) {
      for (const [id, c] of Object.entries(pick(row))) {
        const sum = out[id] ??= { clean: 0, output: 0, after_jpeg75: 0 };
        sum.clean += c.clean;
        sum.output += c.output;
        sum.after_jpeg75 += c.after_jpeg75;
      }
    }
    return out;
  };
  const budgets: Record<string, number> = {};
  for (const row of rows) budgets[row.budget.used] = (budgets[row.budget.used] ?? 0) + 1;
  return {
    photos: rows.length,
    fully_protected: rows.filter((r) => r.fully_protected).length,
    fully_protected_share: protectedShare(rows),
    attacked: pool((r) => r.attacked),
    judges: pool((r) => r.judges),
    quality: {
      ssim_median: median(rows.map((r) => r.ssim)),
      ssim_worst: Math.min(...rows.map((r) => r.ssim)),
      psnr_median: median(rows.map((r) => r.psnr_db)),
      psnr_worst: Math.min(...rows.map((r) => r.psnr_db)),
      ciede2000_mean_median: median(rows.map((r) => r.ciede2000_mean)),
      ciede2000_p99_median: median(rows.map((r) => r.ciede2000_p99)),
      photos_below_ssim_095: rows.filter((r) => r.ssim < 0.95).length,
    },
    seconds: {
      median: median(rows.map((r) => r.seconds)),
      max: Math.max(...rows.map((r) => r.seconds)),
    },
    budgets_used: budgets,
  };
}
