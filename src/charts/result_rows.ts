/**
 * Sweep result rows as the charts read them: a typed view of the fields they use, and a
 * read-only loader (a figure never rewrites its source; a unit still being written, or
 * left incomplete by an interrupted run, is skipped, as a resume would redo it).
 */
import { UserError } from "../errors.ts";
import { openRows, type StoredRow } from "../experiments/row_store.ts";

/** A measured row (not an error row) with the fields the charts read. */
export interface ResultRow extends StoredRow {
  /** Image path. */
  image: string;
  /** Attack name ("pgd"). */
  attack: string;
  /** Robust mode of the run. */
  robust: boolean;
  /** Budget. */
  eps: number;
  /** Step checkpoint. */
  steps: number;
  /** White-box detectors attacked together. */
  source: string[];
  /** Seed. */
  seed: number;
  /** The judge: the detector that counted these faces (the field keeps its first name). */
  target: string;
  /** Channel the protected image went through before judging. */
  channel: string;
  /** Reference faces the judge found on the clean image after the channel. */
  clean_faces: number;
  /** Reference faces the judge found on the protected image after the channel. */
  matched: number;
  /** matched / clean_faces, or null when clean_faces is 0. */
  detection_rate: number | null;
  /** PSNR of the protected image against the clean one, dB. */
  psnr_db: number;
  /** RGB SSIM of the protected image against the clean one. */
  ssim_rgb: number;
}

const REQUIRED: Record<string, "string" | "number"> = {
  image: "string",
  attack: "string",
  eps: "number",
  steps: "number",
  target: "string",
  channel: "string",
  clean_faces: "number",
  matched: "number",
  psnr_db: "number",
  ssim_rgb: "number",
};

/**
 * The measured rows among `rows` (error rows dropped), checked to carry every field the
 * charts read; throws a UserError naming the first row and field that does not.
 */
export function measuredRows(rows: readonly StoredRow[]): ResultRow[] {
  const measured = rows.filter((r) => !r.error);
  measured.forEach((row, i) => {
    for (const [field, type] of Object.entries(REQUIRED)) {
      const actual = typeof row[field];
      if (actual !== type) {
        throw new UserError(`result row ${i + 1} has no ${type} field "${field}"`);
      }
    }
    if (!Array.isArray(row.source)) throw new UserError(`result row ${i + 1} has no "source" list`);
  });
  return measured.map((r) => ({ ...r, robust: r.robust === true })) as ResultRow[];
}

/**
 * Reads a rows.jsonl without modifying it: the sweep store's own reader, so a figure sees
 * exactly the complete units a resume would keep, and a corrupt file is named, not trimmed.
 */
export async function readResultRows(path: string): Promise<StoredRow[]> {
  try {
    await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new UserError(`${path}: no such rows file`);
    throw error;
  }
  return await openRows(path);
}

/** The label of a source set: its detector ids joined with "+". */
export function sourceLabel(source: readonly string[]): string {
  return source.join("+");
}

/** The largest source set among the rows (the full ensemble), or the first when tied. */
export function ensembleSource(rows: readonly ResultRow[]): string {
  let best = rows[0]?.source ?? [];
  for (const row of rows) if (row.source.length > best.length) best = row.source;
  return sourceLabel(best);
}

/** Distinct values in order of first appearance. */
export function distinct<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** Distinct numbers, ascending. */
export function distinctSorted(values: Iterable<number>): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}
