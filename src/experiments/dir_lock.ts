/**
 * One writer per results folder: an exclusive advisory lock (Deno's `FsFile.tryLock`,
 * flock on Linux) on `sweep.lock` inside the folder, held for the whole run. The holder
 * writes its pid, host and start time into the file, so a second run fails at once with a
 * line naming it. The kernel drops the lock when the holder exits, even by SIGKILL, so a
 * stale file never blocks anyone. Linux NFS clients carry flock as a whole-file lock to
 * the server, so it holds across the nodes of a cluster; a file system without locking
 * (Lustre mounted without "flock") makes the lock call fail, and the run stops with that.
 */
import { describeError, UserError } from "../errors.ts";

/** The lock file's name inside a results folder. */
export const LOCK_FILE = "sweep.lock";

/** Who holds a folder's lock, as recorded in the lock file. */
export interface LockHolder {
  /** Process id. */
  pid: number;
  /** Host name. */
  host: string;
  /** When the holder took the lock (ISO time). */
  started_at: string;
  /** What the holder runs, e.g. "sweep results/configs/paper.json". */
  command: string;
}

/** A held lock on a results folder; release it when the run ends. */
export class ResultsLock {
  #file: Deno.FsFile | undefined;

  /** Wraps an open, locked lock file of `dir`. */
  constructor(readonly dir: string, file: Deno.FsFile) {
    this.#file = file;
  }

  /** Throws unless the lock is held and `path` lies in its folder (a guard for writers). */
  assertHolds(path: string): void {
    if (!this.#file) throw new Error(`the lock on ${this.dir} was released`);
    if (!path.startsWith(`${this.dir}/`)) {
      throw new Error(`${path} is outside the locked folder ${this.dir}`);
    }
  }

  /** Clears the holder record and releases the lock. */
  async release(): Promise<void> {
    const file = this.#file;
    if (!file) return;
    this.#file = undefined;
    try {
      await file.truncate(0);
      await file.unlock();
    } finally {
      file.close();
    }
  }
}

function describeHolder(text: string): string {
  try {
    const holder = JSON.parse(text) as LockHolder;
    return `pid ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.started_at})`;
  } catch {
    return "another process (it has not recorded itself yet)";
  }
}

/**
 * Throws a UserError naming the holder when a run holds `dir`'s lock now; writes nothing
 * (a merge reads shard folders, which may be read-only).
 */
export async function assertNotLocked(dir: string): Promise<void> {
  const path = `${dir}/${LOCK_FILE}`;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    return; // no lock file: no run ever locked it, or one from before locking
  }
  try {
    if (!(await file.tryLock(false))) {
      const text = await Deno.readTextFile(path).catch(() => "");
      throw new UserError(`${dir} is in use by ${describeHolder(text)}; wait for it to end`);
    }
    await file.unlock();
  } finally {
    file.close();
  }
}

/**
 * Takes the exclusive lock on `dir` (which must exist) for `command`, or throws a
 * UserError naming the process that holds it.
 */
export async function lockResultsDir(dir: string, command: string): Promise<ResultsLock> {
  const path = `${dir}/${LOCK_FILE}`;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: true, create: true });
  } catch (error) {
    throw new UserError(`${path}: cannot be opened (${describeError(error)})`);
  }
  let locked: boolean;
  try {
    locked = await file.tryLock(true);
  } catch (error) {
    file.close();
    throw new UserError(
      `${path}: the file system refused a lock (${describeError(error)}); use a folder on a ` +
        `file system with locking (NFS, or Lustre mounted with "flock")`,
    );
  }
  if (!locked) {
    file.close();
    const text = await Deno.readTextFile(path).catch(() => "");
    throw new UserError(
      `${dir} is in use by ${describeHolder(text)}; wait for it to end or choose another --out`,
    );
  }
  const holder: LockHolder = {
    pid: Deno.pid,
    host: Deno.hostname(),
    started_at: new Date().toISOString(),
    command,
  };
  try {
    await file.truncate(0);
    await file.write(new TextEncoder().encode(JSON.stringify(holder) + "\n"));
    await file.sync();
  } catch (error) {
    file.close();
    throw error;
  }
  return new ResultsLock(dir, file);
}
