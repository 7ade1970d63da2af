/**
 * The version of the code that produced a result: the git commit of the working tree,
 * marked "+dirty" when tracked files differ from it, so rows and figures name their code.
 * Without git (not installed, or not a clone) it is "unknown", and the reason is said on
 * stderr and returned, so results can record why.
 */
import { PROJECT_ROOT } from "../paths.ts";
import { warnOnce } from "./warn_once.ts";

type GitResult = { out: string } | { error: string };

async function git(args: string[]): Promise<GitResult> {
  try {
    const out = await new Deno.Command("git", {
      args,
      cwd: PROJECT_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.success) return { out: new TextDecoder().decode(out.stdout).trim() };
    const stderr = new TextDecoder().decode(out.stderr).trim().split("\n")[0];
    return { error: `git ${args[0]} failed: ${stderr || `exit code ${out.code}`}` };
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "git is not installed" : String(error);
    return { error: why };
  }
}

/** A code version, and why it is "unknown" when it is. */
export interface CodeVersion {
  /** Short commit, "+dirty" when tracked files changed, or "unknown". */
  version: string;
  /** Why the version is unknown or incomplete; absent when git answered. */
  warning?: string;
}

/** The working tree's version with the reason for any fallback (also warned on stderr). */
export async function codeVersion(): Promise<CodeVersion> {
  const commit = await git(["rev-parse", "--short=12", "HEAD"]);
  if ("error" in commit) {
    const warning = `code version unknown: ${commit.error}`;
    warnOnce(warning);
    return { version: "unknown", warning };
  }
  const status = await git(["status", "--porcelain", "--untracked-files=no"]);
  if ("error" in status) {
    const warning = `code version may be dirty: ${status.error}`;
    warnOnce(warning);
    return { version: commit.out, warning };
  }
  return { version: status.out.length ? `${commit.out}+dirty` : commit.out };
}

/** The short commit of the working tree, with "+dirty" when tracked files changed. */
export async function workingTreeVersion(): Promise<string> {
  return (await codeVersion()).version;
}
