/**
 * The append-only result file of a sweep (rows.jsonl), safe against crashes: each work
 * unit's rows are appended in one write and flushed to disk, and every row names its
 * unit and how many rows the unit has. On opening, a torn last line and the rows of any
 * unit left incomplete are dropped (rewritten through a temporary file and a rename),
 * so a run killed at any moment and rerun ends with exactly the rows of an
 * uninterrupted run.
 */

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

/** Reads complete rows from a rows.jsonl, repairing the file if a run was interrupted. */
export async function openRows(path: string): Promise<StoredRow[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const lines = text.split("\n");
  const tornTail = lines.at(-1) !== "";
  const rows: StoredRow[] = [];
  for (const line of lines.slice(0, -1)) {
    if (!line) continue;
    try {
      rows.push(JSON.parse(line));
    } catch {
      // Only the last line can be torn; anything else is a corrupt file, not a crash.
      throw new Error(
        `${path}: a line in the middle is not JSON; the file was edited or corrupted`,
      );
    }
  }
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.unit, (counts.get(row.unit) ?? 0) + 1);
  const complete = rows.filter((row) => counts.get(row.unit) === row.unit_rows);
  if (tornTail || complete.length !== rows.length) {
    await writeRowsAtomic(path, complete);
  }
  return complete;
}

/** Appends one unit's rows in a single write and flushes it to disk. */
export async function appendUnit(path: string, rows: StoredRow[]): Promise<void> {
  const text = rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
  const file = await Deno.open(path, { append: true, create: true });
  try {
    const bytes = new TextEncoder().encode(text);
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    await file.sync();
  } finally {
    file.close();
  }
}

/** Replaces the file with these rows via a temporary file and a rename. */
export async function writeRowsAtomic(path: string, rows: StoredRow[]): Promise<void> {
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const text = rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
  await Deno.writeTextFile(temp, text);
  const file = await Deno.open(temp, { read: true, write: true });
  await file.sync();
  file.close();
  await Deno.rename(temp, path);
}
