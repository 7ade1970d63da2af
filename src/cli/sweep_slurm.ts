/**
 * The Slurm side of `deno task sweep`:
 *
 * `sweep CONFIG --slurm [--shards N] [--partition P] [--time HH:MM:SS] [--cpus-per-task C]
 *  [--mem M] [--gpus G] [--sbatch-arg ARG]... [--out DIR] [--backend B] [--merge] [--dry-run]`
 * `sweep status DIR`
 */
import { UserError } from "../errors.ts";
import { PROJECT_ROOT } from "../paths.ts";
import type { SweepConfig } from "../experiments/sweep_config.ts";
import {
  followHint,
  formatSlurmStatus,
  slurmSweepStatus,
  submitSlurmSweep,
} from "../slurm/slurm_sweep.ts";
import type { SlurmResources } from "../slurm/sbatch_script.ts";
import { type Flags, numberFlag } from "./run_cli.ts";

/** Flags that only `--slurm` takes. */
export const SLURM_FLAGS = {
  slurm: { type: "boolean", default: false },
  shards: { type: "string" },
  partition: { type: "string" },
  time: { type: "string" },
  "cpus-per-task": { type: "string" },
  mem: { type: "string" },
  gpus: { type: "string" },
  "sbatch-arg": { type: "string", multiple: true },
  merge: { type: "boolean", default: false },
  "dry-run": { type: "boolean", default: false },
} as const;

const SLURM_ONLY = Object.keys(SLURM_FLAGS).filter((name) => name !== "slurm");

/** Refuses Slurm-only flags without --slurm, and --shard with it. */
export function checkSlurmFlags(values: Flags): void {
  if (!values.slurm) {
    const stray = SLURM_ONLY.find((name) => values[name] !== undefined && values[name] !== false);
    if (stray) throw new UserError(`--${stray} needs --slurm`);
    return;
  }
  if (values.shard !== undefined) {
    throw new UserError(
      "--slurm runs every shard as an array task; give --shards N, not --shard i/N",
    );
  }
  if (values.batch !== undefined && values.batch !== "auto") {
    throw new UserError("--batch is chosen per shard under --slurm; leave it out");
  }
}

function resources(values: Flags): SlurmResources {
  const time = values.time as string | undefined;
  if (time !== undefined && !/^(\d+-)?\d+(:\d{1,2}){0,2}$/.test(time)) {
    throw new UserError(`--time must look like HH:MM:SS, MM or D-HH:MM:SS, got "${time}"`);
  }
  const mem = values.mem as string | undefined;
  if (mem !== undefined && !/^\d+[KMGT]?$/i.test(mem)) {
    throw new UserError(`--mem must be a size such as 8G or 4000M, got "${mem}"`);
  }
  const partition = values.partition as string | undefined;
  if (partition !== undefined && !/^[A-Za-z0-9_.,-]+$/.test(partition)) {
    throw new UserError(`--partition must be a partition name, got "${partition}"`);
  }
  const extraArgs = (values["sbatch-arg"] as string[] | undefined) ?? [];
  const bad = extraArgs.find((arg) => !arg.startsWith("-") || arg.includes("\n"));
  if (bad !== undefined) {
    throw new UserError(`--sbatch-arg takes one sbatch option such as --account=lab, got "${bad}"`);
  }
  return {
    partition,
    time,
    cpusPerTask: values["cpus-per-task"] === undefined
      ? undefined
      : numberFlag(values, "cpus-per-task", 1, { min: 1, max: 1024, integer: true }),
    mem,
    gpus: values.gpus === undefined
      ? undefined
      : numberFlag(values, "gpus", 1, { min: 1, max: 64, integer: true }),
    extraArgs,
  };
}

/** Submits (or prints, or resumes) the sweep as a job array; returns the exit code. */
export async function runSlurmSweep(config: SweepConfig, values: Flags): Promise<number> {
  const shards = values.shards === undefined ? undefined : Number(values.shards);
  if (shards !== undefined && !(Number.isInteger(shards) && shards >= 1)) {
    throw new UserError(`--shards must be a whole number >= 1, got "${values.shards}"`);
  }
  const outDir = (values.out as string | undefined) ?? `${PROJECT_ROOT}/results/${config.name}`;
  const outcome = await submitSlurmSweep({
    config,
    outDir,
    shards,
    resources: resources(values),
    backend: values.backend as string | undefined,
    merge: values.merge === true,
    dryRun: values["dry-run"] === true,
    projectDir: PROJECT_ROOT,
  });
  if (values["dry-run"] && outcome.shards.length > 0) {
    console.log(outcome.script.trimEnd());
    console.error(
      `sweep: dry run: ${outcome.shards.length} of ${outcome.shardCount} shards would be ` +
        "submitted; nothing was written or submitted",
    );
    return 0;
  }
  if (!outcome.jobId) {
    console.error(
      `sweep: all ${outcome.shardCount} shards in ${outDir} are complete; nothing submitted ` +
        `(merge with: deno task sweep merge ${outDir})`,
    );
    return 0;
  }
  console.log(outcome.jobId);
  console.error(
    `sweep: submitted array job ${outcome.jobId}: shards ${outcome.shards.join(",")} of ` +
      `${outcome.shardCount}` +
      (outcome.mergeJobId ? `, merge job ${outcome.mergeJobId} after it` : ""),
  );
  console.error(`sweep: ${followHint(outDir, outcome.jobId)}`);
  return 0;
}

/** `sweep status DIR`: per-shard progress and Slurm state; exit 0. */
export async function runSlurmStatus(dir: string): Promise<number> {
  console.log(formatSlurmStatus(await slurmSweepStatus(dir)));
  return 0;
}
