/**
 * A one-node Slurm cluster on this machine, for tests and for trying `sweep --slurm`
 * without a real cluster: munged, slurmctld and slurmd from Debian's packages, run as
 * root with state and spool under a temporary folder, stopped by the pids they wrote.
 */
import { UserError } from "../errors.ts";
import { missingProgram, runProgram as run } from "./programs.ts";

/** A running local cluster: point Slurm's commands at it with `env`. */
export interface LocalCluster {
  /** Path of the generated slurm.conf. */
  conf: string;
  /** Environment for Slurm commands (SLURM_CONF). */
  env: Record<string, string>;
  /** The one partition's name. */
  partition: string;
  /** Stops the daemons this helper started (munged only if it started it). */
  stop(): Promise<void>;
}

/** Programs the cluster needs; `deno task setup --slurm` installs them. */
export const SLURM_PROGRAMS = ["munged", "slurmctld", "slurmd", "sbatch", "sinfo", "squeue"];

const MUNGE_SOCKET_DIR = "/run/munge";

/** The slurm.conf of a one-node cluster whose files live under `dir`. */
export function localSlurmConf(dir: string, cpus: number, memoryMb: number): string {
  return [
    "ClusterName=equalais-local",
    "SlurmctldHost=localhost",
    // No systemd or cgroups in containers: track processes by parent pid, bind nothing.
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    "JobAcctGatherType=jobacct_gather/none",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_CPU",
    "SchedulerType=sched/backfill",
    "SlurmUser=root",
    "ReturnToService=2",
    // Keep finished jobs visible to scontrol for a while, so status can name their state.
    "MinJobAge=600",
    `StateSaveLocation=${dir}/state`,
    `SlurmdSpoolDir=${dir}/spool`,
    `SlurmctldPidFile=${dir}/slurmctld.pid`,
    `SlurmdPidFile=${dir}/slurmd.pid`,
    `SlurmctldLogFile=${dir}/slurmctld.log`,
    `SlurmdLogFile=${dir}/slurmd.log`,
    `NodeName=localhost CPUs=${cpus} RealMemory=${memoryMb} State=UNKNOWN`,
    "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
    "",
  ].join("\n");
}

async function mungeWorks(): Promise<boolean> {
  try {
    const probe = await new Deno.Command("bash", {
      args: ["-c", "munge -n | unmunge"],
      stdout: "null",
      stderr: "null",
    }).output();
    return probe.success;
  } catch {
    return false;
  }
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number((await Deno.readTextFile(path)).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

async function stopPid(pid: number | undefined): Promise<void> {
  if (pid === undefined || !alive(pid)) return;
  Deno.kill(pid, "SIGTERM");
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) Deno.kill(pid, "SIGKILL");
}

/**
 * Starts a one-node cluster and waits until its node is idle. Needs root and the
 * packages; throws a UserError naming what is missing.
 */
export async function startLocalCluster(
  options: { cpus?: number; memoryMb?: number; timeoutMs?: number } = {},
): Promise<LocalCluster> {
  if (Deno.uid() !== 0) {
    throw new UserError("a local Slurm cluster needs root (its daemons run as root here)");
  }
  const missing = missingProgram(SLURM_PROGRAMS);
  if (missing) {
    throw new UserError(`Slurm is not installed: ${missing} is missing (run \`deno task setup\`)`);
  }
  let startedMunge: number | undefined;
  if (!(await mungeWorks())) {
    await Deno.mkdir(MUNGE_SOCKET_DIR, { recursive: true });
    await run("chown", ["munge:munge", MUNGE_SOCKET_DIR]);
    const munged = await run("munged", ["--force"]);
    if (!munged.ok) throw new UserError(`munged did not start: ${munged.stderr.split("\n")[0]}`);
    startedMunge = await readPid(`${MUNGE_SOCKET_DIR}/munged.pid`);
  }
  const dir = await Deno.makeTempDir({ prefix: "equalais-slurm-" });
  await Deno.mkdir(`${dir}/state`);
  await Deno.mkdir(`${dir}/spool`);
  const conf = `${dir}/slurm.conf`;
  const cpus = options.cpus ?? navigator.hardwareConcurrency ?? 1;
  await Deno.writeTextFile(conf, localSlurmConf(dir, cpus, options.memoryMb ?? 16000));
  const env = { SLURM_CONF: conf };
  const stop = async () => {
    await stopPid(await readPid(`${dir}/slurmd.pid`));
    await stopPid(await readPid(`${dir}/slurmctld.pid`));
    await stopPid(startedMunge);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    for (const daemon of ["slurmctld", "slurmd"]) {
      const started = await run(daemon, [], env);
      if (!started.ok) {
        throw new UserError(`${daemon} did not start: ${started.stderr.split("\n")[0]}`);
      }
    }
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      const state = await run("sinfo", ["-h", "-o", "%t"], env);
      if (state.ok && state.stdout === "idle") break;
      if (Date.now() > deadline) {
        throw new UserError(`the local Slurm node did not become idle (state "${state.stdout}")`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { conf, env, partition: "debug", stop };
}
