/**
 * Combining the result folders of a sharded sweep into one, refusing folders whose
 * configs or input photos differ or whose sweep still runs, and failing loudly on
 * conflicting duplicates. It only reads the shard folders, and holds the output folder's
 * lock while writing it.
 */
import { UserError } from "../errors.ts";
import { writeTextAtomic } from "./atomic_write.ts";
import { assertNotLocked, lockResultsDir } from "./dir_lock.ts";
import { openRows, type StoredRow, writeRowsAtomic } from "./row_store.ts";
import { stableJson } from "./stable_json.ts";
import { normalizeConfigKeys } from "./sweep_config.ts";
import { describeInputChange, type InputFile } from "./sweep_inputs.ts";

/** Merges rows of `dirs` into `outDir`; returns the number of rows written. */
export async function mergeShards(dirs: string[], outDir: string): Promise<number> {
  if (dirs.length === 0) throw new UserError("no folders to merge");
  const runs = [];
  for (const dir of dirs) {
    await assertNotLocked(dir);
    try {
      runs.push({ dir, run: JSON.parse(await Deno.readTextFile(`${dir}/run.json`)) });
    } catch {
      throw new UserError(`${dir}: no readable run.json (not a sweep result folder)`);
    }
  }
  // Shards recorded under older config key names hold the same grid as newer ones.
  const sameGrid = (run: { config: unknown }) => stableJson(normalizeConfigKeys(run.config));
  const config = sameGrid(runs[0].run);
  for (const { dir, run } of runs.slice(1)) {
    if (sameGrid(run) !== config) {
      throw new UserError(`${dir}: its config differs from ${runs[0].dir}'s; refusing to merge`);
    }
    // Folders from before input hashing record no inputs: nothing to compare there.
    const [first, other] = [runs[0].run.inputs, run.inputs] as (InputFile[] | undefined)[];
    const change = first && other && describeInputChange(first, other);
    if (change) {
      throw new UserError(
        `${dir}: its photos differ from ${runs[0].dir}'s (${change}); refusing to merge`,
      );
    }
  }
  const byKey = new Map<string, StoredRow>();
  for (const { dir } of runs) {
    for (const row of await openRows(`${dir}/rows.jsonl`)) {
      const key = stableJson([
        row.unit,
        row.steps ?? null,
        row.target ?? null,
        row.channel ?? null,
      ]);
      const seen = byKey.get(key);
      if (seen && stableJson(withoutTiming(seen)) !== stableJson(withoutTiming(row))) {
        throw new UserError(
          `${dir}: a row conflicts with another shard's for the same work (${row.image})`,
        );
      }
      if (!seen) byKey.set(key, row);
    }
  }
  const rows = [...byKey.values()].sort((a, b) => a.unit_index - b.unit_index);
  await Deno.mkdir(outDir, { recursive: true });
  const lock = await lockResultsDir(outDir, "sweep merge");
  try {
    await writeRowsAtomic(`${outDir}/rows.jsonl`, rows);
    const merged = { ...runs[0].run, shard: null, merged_from: runs.map((r) => r.dir) };
    await writeTextAtomic(`${outDir}/run.json`, JSON.stringify(merged, null, 2) + "\n");
  } finally {
    await lock.release();
  }
  return rows.length;
}

/** A row without the fields that differ between identical runs (time, machine state). */
export function withoutTiming(row: StoredRow): Record<string, unknown> {
  const { seconds: _s, code_version: _c, ...rest } = row;
  return rest;
}
