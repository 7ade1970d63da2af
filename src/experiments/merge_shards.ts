/**
 * Combining the result folders of a sharded sweep into one, refusing folders whose
 * configs differ, and failing loudly on conflicting duplicates.
 */
import { UserError } from "../errors.ts";
import { openRows, type StoredRow, writeRowsAtomic } from "./row_store.ts";
import { stableJson } from "./run_sweep.ts";

/** Merges rows of `dirs` into `outDir`; returns the number of rows written. */
export async function mergeShards(dirs: string[], outDir: string): Promise<number> {
  if (dirs.length === 0) throw new UserError("no folders to merge");
  const runs = [];
  for (const dir of dirs) {
    try {
      runs.push({ dir, run: JSON.parse(await Deno.readTextFile(`${dir}/run.json`)) });
    } catch {
      throw new UserError(`${dir}: no readable run.json (not a sweep result folder)`);
    }
  }
  const config = stableJson(runs[0].run.config);
  for (const { dir, run } of runs.slice(1)) {
    if (stableJson(run.config) !== config) {
      throw new UserError(`${dir}: its config differs from ${runs[0].dir}'s; refusing to merge`);
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
  await writeRowsAtomic(`${outDir}/rows.jsonl`, rows);
  const merged = { ...runs[0].run, shard: null, merged_from: runs.map((r) => r.dir) };
  await Deno.writeTextFile(`${outDir}/run.json`, JSON.stringify(merged, null, 2) + "\n");
  return rows.length;
}

/** A row without the fields that differ between identical runs (time, machine state). */
export function withoutTiming(row: StoredRow): Record<string, unknown> {
  const { seconds: _s, code_version: _c, ...rest } = row;
  return rest;
}
