/**
 * The append-only result file of a sweep (rows.jsonl). Each work unit's rows are appended
 * in one write and flushed to disk, and every row names its unit and how many rows the
 * unit has. A valid file is a run of complete units, possibly followed by the start of one
 * more: the unit a writer is appending right now, or the one a killed run left (its last
 * line maybe torn).
 *
 * Readers (`openRows`: summaries, the report, merges) never write: they leave that
 * trailing unit out in memory. Only the sweep that owns the folder, holding its lock,
 * cuts it off the file (`repairRows`), in place, so a writer's file keeps its inode.
 * A unit with more rows than it declares means two runs wrote into one folder: an error,
 * since nothing says which copy is right.
 */
import { UserError } from "../errors.ts";
import { writeSyncedAndClose, writeTextAtomic } from "./atomic_write.ts";
import type { ResultsLock } from "./dir_lock.ts";

/** The fields the store relies on; rows carry many more. */
export interface StoredRow {
  /** Key of the work unit the row belongs to. */
  unit: string;
  /** Number of rows the unit wrote. */
  unit_rows: number;
  /** Position of the unit in the grid. */
  unit_index: number;
  [field: string]: unknown;
}

/** A rows file read through: its complete units and where they end. */
interface Scan {
  /** Rows of the complete units, in file order. */
  rows: StoredRow[];
  /** Bytes of the file up to the end of the last complete unit. */
  completeBytes: number;
  /** Bytes of the whole file. */
  totalBytes: number;
}

function isStoredRow(value: unknown): value is StoredRow {
  const row = value as StoredRow;
  return typeof value === "object" && value !== null && typeof row.unit === "string" &&
    Number.isInteger(row.unit_rows) && row.unit_rows >= 1;
}

function unitName(row: StoredRow): string {
  return typeof row.image === "string" ? `of ${row.image} (unit ${row.unit_index})` : row.unit;
}

/** Parses the file's bytes; throws a UserError for anything a crash cannot leave. */
function scanRows(path: string, bytes: Uint8Array): Scan {
  const decoder = new TextDecoder();
  const rows: StoredRow[] = [];
  const counts = new Map<string, number>();
  let open = 0; // units begun and not yet complete
  let completeBytes = 0;
  let completeRows = 0;
  let start = 0;
  for (let lineNo = 1; start < bytes.length; lineNo++) {
    const end = bytes.indexOf(0x0a, start);
    // A last line without its newline is torn: an append in progress or cut by a crash.
    if (end < 0) break;
    const line = decoder.decode(bytes.subarray(start, end));
    start = end + 1;
    if (line.trim()) {
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        throw new UserError(
          `${path}: line ${lineNo} is not JSON; the file was edited or corrupted`,
        );
      }
      if (!isStoredRow(row)) {
        throw new UserError(`${path}: line ${lineNo} is not a sweep row (no unit and unit_rows)`);
      }
      const count = (counts.get(row.unit) ?? 0) + 1;
      counts.set(row.unit, count);
      if (count > row.unit_rows) {
        throw new UserError(
          `${path}: the unit ${unitName(row)} has more than its ${row.unit_rows} rows ` +
            `(line ${lineNo}): two runs wrote into this folder, or it was edited`,
        );
      }
      if (count === 1) open++;
      if (count === row.unit_rows) open--;
      rows.push(row);
    }
    if (open === 0) {
      completeBytes = start;
      completeRows = rows.length;
    }
  }
  const trailing = rows.slice(completeRows);
  const other = trailing.find((row) => row.unit !== trailing[0].unit);
  if (other) {
    throw new UserError(
      `${path}: the unit ${unitName(trailing[0])} is incomplete and followed by rows of ` +
        `another unit: two runs wrote into this folder, or it was edited`,
    );
  }
  return { rows: rows.slice(0, completeRows), completeBytes, totalBytes: bytes.length };
}

async function readBytes(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Reads the complete units' rows of a rows.jsonl without ever writing to it: a trailing
 * unit still being written (or left by a killed run) is left out, in memory only.
 */
export async function openRows(path: string): Promise<StoredRow[]> {
  const bytes = await readBytes(path);
  return bytes ? scanRows(path, bytes).rows : [];
}

/**
 * For the sweep that owns the folder (it must hold the folder's lock): cuts a trailing
 * incomplete unit and torn line off the file, in place, and returns the complete rows.
 */
export async function repairRows(path: string, lock: ResultsLock): Promise<StoredRow[]> {
  lock.assertHolds(path);
  const bytes = await readBytes(path);
  if (!bytes) return [];
  const scan = scanRows(path, bytes);
  if (scan.completeBytes < scan.totalBytes) {
    const file = await Deno.open(path, { write: true });
    try {
      await file.truncate(scan.completeBytes);
      await file.sync();
    } finally {
      file.close();
    }
  }
  return scan.rows;
}

/** Appends one unit's rows in a single write and flushes it to disk. */
export async function appendUnit(path: string, rows: StoredRow[]): Promise<void> {
  const text = rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
  await writeSyncedAndClose(await Deno.open(path, { append: true, create: true }), text);
}

/** Replaces the file with these rows via a temporary file and a rename. */
export async function writeRowsAtomic(path: string, rows: StoredRow[]): Promise<void> {
  const text = rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
  await writeTextAtomic(path, text);
}
