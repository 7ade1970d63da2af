/**
 * The sbatch script of a sweep's job array: one array task per shard, each running
 * `sweep --shard i/N` into its own folder, with the thread count Slurm granted.
 */

/** Resources and placement asked of Slurm; undefined fields are left to the cluster. */
export interface SlurmResources {
  /** Partition (queue). */
  partition?: string;
  /** Wall-clock limit per shard, HH:MM:SS or any form sbatch accepts. */
  time?: string;
  /** CPUs per shard; also the shard's gradient thread count. */
  cpusPerTask?: number;
  /** Memory per shard, as sbatch's --mem takes it (e.g. 8G). */
  mem?: string;
  /** GPUs per shard (use with backend webgpu). */
  gpus?: number;
  /** Further sbatch arguments, passed as given (e.g. --account=lab). */
  extraArgs?: string[];
}

/** Everything the array script needs. */
export interface ArrayScriptSpec {
  /** Job name shown by squeue. */
  jobName: string;
  /** Absolute path of the run folder (holds shards, logs and the config copy). */
  runDir: string;
  /** Absolute project folder (the job runs there, so relative image paths resolve). */
  projectDir: string;
  /** Absolute path of the Deno executable the job runs. */
  denoPath: string;
  /** DENO_DIR to export (the npm cache on shared storage), if any. */
  denoDir?: string;
  /** Absolute path of the config copy inside the run folder. */
  configPath: string;
  /** Number of shards of the grid. */
  shards: number;
  /** Zero-based array indices to run (shard i+1 of N); all shards on a first run. */
  indices: number[];
  /** Backend id for every shard (undefined: the sweep's own choice). */
  backend?: string;
  /** Resources asked for. */
  resources: SlurmResources;
}

/** Quotes a word for bash (single quotes; embedded quotes escaped). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Folder name of shard `index` (1-based) of `count`, sortable by name. */
export function shardDirName(index: number, count: number): string {
  const width = String(count).length;
  return `shard-${String(index).padStart(width, "0")}-of-${count}`;
}

/** Compresses sorted indices to sbatch's array syntax: [0,1,2,5] -> "0-2,5". */
export function arraySpec(indices: number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

function directives(spec: ArrayScriptSpec): string[] {
  const r = spec.resources;
  const lines = [
    `--job-name=${spec.jobName}`,
    `--array=${arraySpec(spec.indices)}`,
    `--output=${spec.runDir}/slurm/logs/%A_%a.out`,
    "--ntasks=1",
  ];
  if (r.partition) lines.push(`--partition=${r.partition}`);
  if (r.time) lines.push(`--time=${r.time}`);
  if (r.cpusPerTask) lines.push(`--cpus-per-task=${r.cpusPerTask}`);
  if (r.mem) lines.push(`--mem=${r.mem}`);
  if (r.gpus) lines.push(`--gpus=${r.gpus}`);
  for (const arg of r.extraArgs ?? []) lines.push(arg);
  return lines.map((line) => `#SBATCH ${line}`);
}

/** The script text for sbatch; stored in the run folder beside its job id. */
export function arrayScript(spec: ArrayScriptSpec): string {
  const q = shellQuote;
  const shardDir = `${spec.runDir}/shard-$(printf '%0${String(spec.shards).length}d' "$SHARD")` +
    `-of-${spec.shards}`;
  const backend = spec.backend ? ` --backend ${q(spec.backend)}` : "";
  return [
    "#!/bin/bash",
    ...directives(spec),
    "# Written by `deno task sweep --slurm`; re-submit by hand with: sbatch <this file>",
    "set -euo pipefail",
    `cd ${q(spec.projectDir)}`,
    ...(spec.denoDir ? [`export DENO_DIR=${q(spec.denoDir)}`] : []),
    // A node reports all its cores; use only what Slurm granted this task.
    'export EQUALAIS_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
    "SHARD=$((SLURM_ARRAY_TASK_ID + 1))",
    `echo "equalais: shard $SHARD/${spec.shards} on $(hostname), job $SLURM_JOB_ID"`,
    `exec ${q(spec.denoPath)} run -A src/cli/sweep.ts ${q(spec.configPath)} ` +
    `--shard "$SHARD/${spec.shards}" --out "${shardDir}"${backend}`,
    "",
  ].join("\n");
}

/** The script of the merge job that runs after every array task succeeded. */
export function mergeScript(
  spec: Omit<ArrayScriptSpec, "indices" | "shards" | "backend" | "resources"> & {
    resources: Pick<SlurmResources, "partition" | "time" | "extraArgs">;
  },
): string {
  const q = shellQuote;
  const r = spec.resources;
  const lines = [
    `--job-name=${spec.jobName}-merge`,
    `--output=${spec.runDir}/slurm/logs/merge_%j.out`,
    "--ntasks=1",
    ...(r.partition ? [`--partition=${r.partition}`] : []),
    ...(r.time ? [`--time=${r.time}`] : []),
    ...(r.extraArgs ?? []),
  ];
  return [
    "#!/bin/bash",
    ...lines.map((line) => `#SBATCH ${line}`),
    "set -euo pipefail",
    `cd ${q(spec.projectDir)}`,
    ...(spec.denoDir ? [`export DENO_DIR=${q(spec.denoDir)}`] : []),
    `exec ${q(spec.denoPath)} run -A src/cli/sweep.ts merge ${q(spec.runDir)}`,
    "",
  ].join("\n");
}
