/**
 * Sweep result rows as the charts read them: a typed view of the fields they use, and a
 * read-only loader (a figure never rewrites its source; rows of a unit left incomplete by
 * an interrupted run are skipped, as the sweep's own store would drop them).
 */
import { UserError } from "../errors.ts";
import type { StoredRow } from "../experiments/row_store.ts";

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
  /** Judging detector. */
  target: string;
  /** Channel the protected image went through before judging. */
  channel: string;
  /** Reference faces the target found on the clean image after the channel. */
  clean_faces: number;
  /** Reference faces the target found on the protected image after the channel. */
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

/** Reads a rows.jsonl without modifying it; complete units only. */
export async function readResultRows(path: string): Promise<StoredRow[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new UserError(`${path}: no such rows file`);
    throw error;
  }
  const lines = text.split("\n");
  const rows: StoredRow[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      rows.push(JSON.parse(line));
    } catch {
      // A torn last line is an interrupted append; anywhere else the file is corrupt.
      if (i === lines.length - 1) return;
      throw new UserError(`${path}: line ${i + 1} is not JSON`);
    }
  });
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.unit, (counts.get(row.unit) ?? 0) + 1);
  return rows.filter((row) => counts.get(row.unit) === row.unit_rows);
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
