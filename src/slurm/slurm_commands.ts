/**
 * Calls to Slurm's client programs (sbatch, squeue, scontrol, sacct) with their errors
 * turned into one-line messages, and their answers parsed into array-task states.
 */
import { UserError } from "../errors.ts";
import { missingProgram, type ProgramOutput, runProgram } from "./programs.ts";

/** Throws a one-line UserError when a Slurm client program is not on PATH. */
export function requireProgram(program: string): void {
  if (missingProgram([program])) {
    throw new UserError(
      `${program} is not on PATH: --slurm needs Slurm's client programs ` +
        "(run on a login node, or without --slurm)",
    );
  }
}

async function slurm(program: string, args: string[]): Promise<ProgramOutput> {
  requireProgram(program);
  return await runProgram(program, args);
}

/** The most telling line of a Slurm error: its first "error:" line (it names the culprit). */
export function slurmErrorLine(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => /error/i.test(l));
  return (errors[0] ?? lines[0] ?? "no message").replace(/^s\w+: error: /, "");
}

/** Submits a script with `sbatch --parsable`; returns the job id. */
export async function sbatch(scriptPath: string, args: string[] = []): Promise<string> {
  const result = await slurm("sbatch", ["--parsable", ...args, scriptPath]);
  if (!result.ok) throw new UserError(`sbatch refused the job: ${slurmErrorLine(result.stderr)}`);
  // --parsable prints "id" or "id;cluster".
  const id = result.stdout.split("\n").at(-1)!.split(";")[0].trim();
  if (!/^\d+$/.test(id)) throw new UserError(`sbatch answered "${result.stdout}", not a job id`);
  return id;
}

/** State of one array task as Slurm reports it (PENDING, RUNNING, COMPLETED, ...). */
export type TaskStates = Map<number, string>;

/** Parses `squeue -h -r -o "%K %T"` lines into task index -> state. */
export function parseSqueue(text: string): TaskStates {
  const states: TaskStates = new Map();
  for (const line of text.split("\n")) {
    const [task, state] = line.trim().split(/\s+/);
    if (/^\d+$/.test(task ?? "") && state) states.set(Number(task), state);
  }
  return states;
}

/** Parses `scontrol -o show job ID` (one line per array task) into task index -> state. */
export function parseScontrol(text: string): TaskStates {
  const states: TaskStates = new Map();
  for (const line of text.split("\n")) {
    // A pending remainder of an array shows as a list of ranges: ArrayTaskId=2-3,7.
    const tasks = line.match(/\bArrayTaskId=([\d,-]+)/);
    const state = line.match(/\bJobState=(\w+)/);
    if (!tasks || !state) continue;
    for (const part of tasks[1].split(",")) {
      const [from, to] = part.split("-").map(Number);
      for (let task = from; task <= (to ?? from); task++) states.set(task, state[1]);
    }
  }
  return states;
}

/** Parses `sacct -n -X -P -o JobID,State` into task index -> state. */
export function parseSacct(text: string): TaskStates {
  const states: TaskStates = new Map();
  for (const line of text.split("\n")) {
    const [id, state] = line.trim().split("|");
    const task = id?.match(/_(\d+)$/);
    if (task && state) states.set(Number(task[1]), state.split(" ")[0]);
  }
  return states;
}

/**
 * States of a job's array tasks: squeue for queued and running tasks, then sacct (when
 * accounting is on) or scontrol (recently finished jobs) for the rest. Tasks Slurm no
 * longer knows are absent. Undefined when no Slurm client is installed.
 */
export async function arrayTaskStates(jobId: string): Promise<TaskStates | undefined> {
  if (missingProgram(["squeue"])) return undefined;
  const states: TaskStates = new Map();
  const add = (more: TaskStates) => {
    for (const [task, state] of more) if (!states.has(task)) states.set(task, state);
  };
  const queued = await slurm("squeue", ["-h", "-r", "-j", jobId, "-o", "%K %T"]);
  if (queued.ok) add(parseSqueue(queued.stdout));
  if (!missingProgram(["sacct"])) {
    const accounted = await slurm("sacct", ["-n", "-X", "-P", "-j", jobId, "-o", "JobID,State"]);
    if (accounted.ok) add(parseSacct(accounted.stdout));
  }
  if (!missingProgram(["scontrol"])) {
    const shown = await slurm("scontrol", ["-o", "show", "job", jobId]);
    if (shown.ok) add(parseScontrol(shown.stdout));
  }
  return states;
}

/** True for states in which a task still holds or waits for its shard. */
export function isActive(state: string | undefined): boolean {
  return state !== undefined &&
    ["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED"]
      .includes(state);
}
