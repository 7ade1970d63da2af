/**
 * A results folder made ready for a run that holds its lock: run.json written (atomically)
 * on the first run, and on a resume checked to hold the same config, shard and input photos
 * (by SHA-256); then rows.jsonl repaired and its finished units listed, each checked to be
 * a unit of this run's grid.
 */
import { UserError } from "../errors.ts";
import { writeTextAtomic } from "./atomic_write.ts";
import type { ResultsLock } from "./dir_lock.ts";
import type { Provenance } from "./provenance.ts";
import { repairRows } from "./row_store.ts";
import { stableJson } from "./stable_json.ts";
import { normalizeConfigKeys, type SweepConfig, type WorkUnit } from "./sweep_config.ts";
import { describeInputChange, type InputFile } from "./sweep_inputs.ts";

/** What a run is: the record run.json keeps, and the units it owns. */
export interface RunSpec {
  /** The validated config. */
  config: SweepConfig;
  /** The shard run, if any. */
  shard?: { index: number; count: number };
  /** Provenance of this process. */
  provenance: Provenance;
  /** Every photo of the grid (all shards) with its SHA-256. */
  inputs: InputFile[];
  /** The units this run owns (its shard's). */
  units: WorkUnit[];
  /**
   * Accept a folder whose run.json predates input hashing, recording today's photos as its
   * inputs (the user vouches they are the ones its rows came from).
   */
  adoptInputs?: boolean;
}

function runJson(record: unknown): string {
  return JSON.stringify(record, null, 2) + "\n";
}

/** Writes run.json for a new folder, or checks (and for --adopt-inputs completes) an old one. */
async function checkRunRecord(dir: string, spec: RunSpec): Promise<void> {
  const path = `${dir}/run.json`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    const record = {
      config: spec.config,
      shard: spec.shard ?? null,
      inputs: spec.inputs,
      ...spec.provenance,
      started_at: new Date().toISOString(),
    };
    await writeTextAtomic(path, runJson(record));
    return;
  }
  let existing: Record<string, unknown>;
  try {
    existing = JSON.parse(text);
  } catch {
    throw new UserError(`${path}: not JSON; the folder's record was edited or corrupted`);
  }
  // Older folders record the config under older key names; the grid is what must match.
  const recorded = stableJson(normalizeConfigKeys(existing.config));
  if (recorded !== stableJson(normalizeConfigKeys(spec.config))) {
    throw new UserError(`${dir} holds results of a different config; choose another --out`);
  }
  if (stableJson(existing.shard ?? null) !== stableJson(spec.shard ?? null)) {
    throw new UserError(`${dir} holds results of another shard; choose another --out`);
  }
  if (!Array.isArray(existing.inputs)) {
    if (!spec.adoptInputs) {
      throw new UserError(
        `${dir} predates input hashing (its run.json records no photo hashes), so a resume ` +
          `cannot check its photos are unchanged; if they are, rerun with --adopt-inputs, ` +
          `otherwise choose another --out`,
      );
    }
    const adopted = { ...existing, inputs: spec.inputs, inputs_adopted_at: new Date() };
    await writeTextAtomic(path, runJson(adopted));
    return;
  }
  const change = describeInputChange(existing.inputs as InputFile[], spec.inputs);
  if (change) {
    throw new UserError(
      `${dir}: ${change} since its run began; resuming would mix rows of different photos, ` +
        `so restore the photos or choose another --out`,
    );
  }
}

/**
 * Makes `lock`'s folder ready for `spec` (see the file's comment) and returns the keys of
 * the units already complete in it.
 */
export async function prepareResultsDir(lock: ResultsLock, spec: RunSpec): Promise<Set<string>> {
  await checkRunRecord(lock.dir, spec);
  const rowsPath = `${lock.dir}/rows.jsonl`;
  const rows = await repairRows(rowsPath, lock);
  const keys = new Set(spec.units.map((u) => u.key));
  const stranger = rows.find((row) => !keys.has(row.unit));
  if (stranger) {
    throw new UserError(
      `${rowsPath}: rows of ${stranger.image ?? stranger.unit} (unit ${stranger.unit_index}) ` +
        `are not in this run's grid; choose another --out`,
    );
  }
  return new Set(rows.map((r) => r.unit));
}
