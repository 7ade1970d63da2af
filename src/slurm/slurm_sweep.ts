/**
 * A sweep as a Slurm job array: the run folder (config copy, one folder per shard, the
 * submitted scripts with their job ids, a manifest), submission of only the shards not
 * yet complete, per-shard status, and the merge of the shards into one result folder.
 */
import { UserError } from "../errors.ts";
import {
  expandUnits,
  normalizeConfigKeys,
  shardUnits,
  type SweepConfig,
} from "../experiments/sweep_config.ts";
import { stableJson } from "../experiments/stable_json.ts";
import { openRows } from "../experiments/row_store.ts";
import { mergeShards } from "../experiments/merge_shards.ts";
import {
  arrayScript,
  mergeScript,
  shardDirName,
  shellQuote,
  type SlurmResources,
} from "./sbatch_script.ts";
import {
  arrayTaskStates,
  isActive,
  requireProgram,
  sbatch,
  type TaskStates,
} from "./slurm_commands.ts";

/** Name of the manifest in a Slurm run folder. */
export const MANIFEST = "slurm.json";

/** One `sbatch` of the array (and its merge job). */
export interface Submission {
  /** Array job id. */
  job_id: string;
  /** Zero-based array indices submitted (shard index - 1). */
  indices: number[];
  /** Merge job id, when --merge was given. */
  merge_job_id?: string;
  /** ISO time of submission. */
  submitted_at: string;
  /** Script file, relative to the run folder. */
  script: string;
}

/** The manifest of a Slurm run folder. */
export interface SlurmManifest {
  /** The sweep config, as validated. */
  config: SweepConfig;
  /** Number of shards the grid is split into. */
  shards: number;
  /** Every submission, oldest first. */
  submissions: Submission[];
}

/** What `sweep --slurm` was asked to do. */
export interface SlurmSweepRequest {
  /** The validated config. */
  config: SweepConfig;
  /** Run folder (absolute or relative to the working directory). */
  outDir: string;
  /** Shards; default min(units, 8). */
  shards?: number;
  /** Resources per shard. */
  resources: SlurmResources;
  /** Backend for every shard. */
  backend?: string;
  /** Also submit a merge job that runs after every task succeeded. */
  merge: boolean;
  /** Print the script instead of submitting; nothing is written. */
  dryRun: boolean;
  /** Project folder the jobs run in. */
  projectDir: string;
  /** Deno executable the jobs run (default: this one). */
  denoPath?: string;
  /** DENO_DIR for the jobs (default: this process's, if set). */
  denoDir?: string;
}

/** What a submission did. */
export interface SlurmSweepOutcome {
  /** Array job id; undefined for a dry run or when every shard was complete. */
  jobId?: string;
  /** Merge job id. */
  mergeJobId?: string;
  /** The array script ("" when every shard is complete). */
  script: string;
  /** One-based shard numbers submitted. */
  shards: number[];
  /** The shard count. */
  shardCount: number;
}

/** Per-shard progress of a Slurm run folder. */
export interface ShardStatus {
  /** One-based shard number. */
  shard: number;
  /** Units this shard owns. */
  owned: number;
  /** Units with rows (including failed ones). */
  done: number;
  /** Units recorded as failed. */
  failed: number;
  /** Slurm's state of the latest task for this shard, if Slurm still knows it. */
  slurmState?: string;
  /** Job id of the latest submission that included this shard. */
  jobId?: string;
}

async function readManifest(dir: string): Promise<SlurmManifest | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/${MANIFEST}`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new UserError(`${dir}/${MANIFEST} cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`${dir}/${MANIFEST} is not valid JSON; the folder was edited by hand`);
  }
}

async function writeManifest(dir: string, manifest: SlurmManifest): Promise<void> {
  const temp = `${dir}/.${MANIFEST}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeTextFile(temp, JSON.stringify(manifest, null, 2) + "\n");
  await Deno.rename(temp, `${dir}/${MANIFEST}`);
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return false;
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

/** Checks a shard count against the grid; throws a one-line UserError. */
export function checkShardCount(shards: number, units: number): void {
  if (!(Number.isInteger(shards) && shards >= 1)) {
    throw new UserError(`--shards must be a whole number >= 1, got ${shards}`);
  }
  if (shards > units) {
    throw new UserError(
      `--shards ${shards} is more than the grid's ${units} units; use at most ${units}`,
    );
  }
}

/** Units owned and done per shard, from the shard folders' rows alone (read-only). */
export async function shardProgress(
  dir: string,
  config: SweepConfig,
  shards: number,
): Promise<ShardStatus[]> {
  const units = expandUnits(config);
  const out: ShardStatus[] = [];
  for (let shard = 1; shard <= shards; shard++) {
    const owned = shardUnits(units, { index: shard, count: shards });
    const rows = await openRows(`${dir}/${shardDirName(shard, shards)}/rows.jsonl`);
    const ownedKeys = new Set(owned.map((u) => u.key));
    const doneKeys = new Set<string>(), failedKeys = new Set<string>();
    for (const row of rows) {
      if (!ownedKeys.has(row.unit)) continue;
      doneKeys.add(row.unit);
      if (row.error !== undefined) failedKeys.add(row.unit);
    }
    out.push({ shard, owned: owned.length, done: doneKeys.size, failed: failedKeys.size });
  }
  return out;
}

/** Adds Slurm's view of the latest task of each shard. */
async function withSlurmStates(
  manifest: SlurmManifest,
  progress: ShardStatus[],
): Promise<ShardStatus[]> {
  const byJob = new Map<string, TaskStates | undefined>();
  for (const status of progress) {
    const latest = manifest.submissions.findLast((s) => s.indices.includes(status.shard - 1));
    if (!latest) continue;
    if (!byJob.has(latest.job_id)) byJob.set(latest.job_id, await arrayTaskStates(latest.job_id));
    status.jobId = latest.job_id;
    status.slurmState = byJob.get(latest.job_id)?.get(status.shard - 1);
  }
  return progress;
}

/**
 * Writes (or resumes) a Slurm run folder and submits the shards that are not complete.
 * Refuses, before writing anything, a folder of another config or shard count, and a
 * folder whose previous array still has tasks queued or running.
 */
export async function submitSlurmSweep(request: SlurmSweepRequest): Promise<SlurmSweepOutcome> {
  if (!request.dryRun) requireProgram("sbatch");
  const runDir = absolute(request.outDir);
  if (/["$`\\\n]/.test(runDir)) {
    throw new UserError(`${runDir}: the run folder's path may not contain quotes, $, \` or \\`);
  }
  const units = expandUnits(request.config);
  const existing = await readManifest(runDir);
  const shardCount = request.shards ?? existing?.shards ?? Math.min(units.length, 8);
  checkShardCount(shardCount, units.length);
  if (existing) {
    // A manifest written before a config key was renamed records the old name.
    const recorded = stableJson(normalizeConfigKeys(existing.config));
    if (recorded !== stableJson(normalizeConfigKeys(request.config))) {
      throw new UserError(
        `${runDir} holds a Slurm sweep of a different config; choose another --out`,
      );
    }
    if (existing.shards !== shardCount) {
      throw new UserError(
        `${runDir} was split into ${existing.shards} shards, not ${shardCount}; ` +
          `rerun with --shards ${existing.shards}`,
      );
    }
  } else if (!(await isEmptyOrMissing(runDir))) {
    throw new UserError(`${runDir} is not empty and holds no Slurm sweep; choose another --out`);
  }
  const manifest: SlurmManifest = existing ??
    { config: request.config, shards: shardCount, submissions: [] };
  const progress = await shardProgress(runDir, request.config, shardCount);
  if (existing && !request.dryRun) {
    await withSlurmStates(existing, progress);
    const busy = progress.filter((s) => isActive(s.slurmState));
    if (busy.length) {
      throw new UserError(
        `${runDir} already has array job ${busy[0].jobId} with shard ${busy[0].shard} ` +
          `${busy[0].slurmState!.toLowerCase()}; wait for it or scancel ${busy[0].jobId}`,
      );
    }
  }
  const todo = progress.filter((s) => s.done < s.owned).map((s) => s.shard);
  const configPath = `${runDir}/config.json`;
  const denoDir = request.denoDir ?? Deno.env.get("DENO_DIR");
  const common = {
    jobName: `eqai-${request.config.name}`.replace(/[^A-Za-z0-9_.-]/g, "_"),
    runDir,
    projectDir: absolute(request.projectDir),
    denoPath: request.denoPath ?? Deno.execPath(),
    denoDir: denoDir ? absolute(denoDir) : undefined,
    configPath,
  };
  // Every shard complete: nothing to submit, and no script that would redo one.
  if (todo.length === 0) return { script: "", shards: todo, shardCount };
  const script = arrayScript({
    ...common,
    shards: shardCount,
    indices: todo.map((s) => s - 1),
    backend: request.backend,
    resources: request.resources,
  });
  const outcome: SlurmSweepOutcome = { script, shards: todo, shardCount };
  if (request.dryRun) return outcome;

  await Deno.mkdir(`${runDir}/slurm/logs`, { recursive: true });
  if (!existing) {
    await Deno.writeTextFile(configPath, JSON.stringify(request.config, null, 2) + "\n");
  }
  const pending = `${runDir}/slurm/.pending-${crypto.randomUUID().slice(0, 8)}.sbatch`;
  await Deno.writeTextFile(pending, script);
  let jobId: string;
  try {
    jobId = await sbatch(pending);
  } catch (error) {
    await Deno.remove(pending);
    if (!existing) await Deno.remove(runDir, { recursive: true }).catch(() => {});
    throw error;
  }
  const scriptName = `slurm/array-${jobId}.sbatch`;
  await Deno.rename(pending, `${runDir}/${scriptName}`);
  const submission: Submission = {
    job_id: jobId,
    indices: todo.map((s) => s - 1),
    submitted_at: new Date().toISOString(),
    script: scriptName,
  };
  manifest.submissions.push(submission);
  await writeManifest(runDir, manifest);
  outcome.jobId = jobId;
  if (request.merge) {
    const mergePath = `${runDir}/slurm/merge-after-${jobId}.sbatch`;
    await Deno.writeTextFile(mergePath, mergeScript({ ...common, resources: request.resources }));
    submission.merge_job_id = await sbatch(mergePath, [
      `--dependency=afterok:${jobId}`,
      "--kill-on-invalid-dep=yes",
    ]);
    outcome.mergeJobId = submission.merge_job_id;
    await writeManifest(runDir, manifest);
  }
  return outcome;
}

/** Per-shard status of a Slurm run folder, with Slurm's states where it knows them. */
export async function slurmSweepStatus(dir: string): Promise<ShardStatus[]> {
  const manifest = await readManifest(dir);
  if (!manifest) throw new UserError(`${dir} holds no Slurm sweep (no ${MANIFEST})`);
  return withSlurmStates(manifest, await shardProgress(dir, manifest.config, manifest.shards));
}

/** The status as text: one line per shard, then a summary line. */
export function formatSlurmStatus(statuses: ShardStatus[]): string {
  const lines = statuses.map((s) => {
    const state = s.slurmState ? s.slurmState.toLowerCase() : "not known to Slurm";
    const failed = s.failed ? `, ${s.failed} failed` : "";
    const job = s.jobId ? ` (job ${s.jobId}_${s.shard - 1})` : " (never submitted)";
    return `shard ${s.shard}: ${s.done}/${s.owned} units${failed}, ${state}${job}`;
  });
  const complete = statuses.filter((s) => s.done === s.owned).length;
  const done = statuses.reduce((n, s) => n + s.done, 0);
  const owned = statuses.reduce((n, s) => n + s.owned, 0);
  const failed = statuses.reduce((n, s) => n + s.failed, 0);
  const active = statuses.filter((s) => isActive(s.slurmState)).length;
  lines.push(
    `${complete} of ${statuses.length} shards complete, ${done}/${owned} units` +
      (failed ? `, ${failed} failed` : "") +
      (active ? `, ${active} shards queued or running` : "") +
      (complete === statuses.length ? "; ready to merge" : ""),
  );
  return lines.join("\n");
}

/**
 * Merges a complete Slurm run folder's shards into `<dir>/merged` (or `outDir`); refuses
 * while any shard is incomplete, naming it.
 */
export async function mergeSlurmSweep(dir: string, outDir?: string): Promise<number> {
  const manifest = await readManifest(dir);
  if (!manifest) throw new UserError(`${dir} holds no Slurm sweep (no ${MANIFEST})`);
  const progress = await shardProgress(dir, manifest.config, manifest.shards);
  const incomplete = progress.find((s) => s.done < s.owned);
  if (incomplete) {
    throw new UserError(
      `shard ${incomplete.shard} of ${dir} has ${incomplete.done}/${incomplete.owned} units; ` +
        "resume it (rerun the same sweep --slurm command) before merging",
    );
  }
  const shardDirs = progress.map((s) => `${dir}/${shardDirName(s.shard, manifest.shards)}`);
  return await mergeShards(shardDirs, outDir ?? `${dir}/merged`);
}

/** How to follow a submitted array, for the CLI's message. */
export function followHint(runDir: string, jobId: string): string {
  const dir = shellQuote(runDir);
  return `follow it with: squeue -j ${jobId}   or   deno task sweep status ${dir}` +
    `   (logs in ${runDir}/slurm/logs)`;
}
