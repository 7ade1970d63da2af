/**
 * The version of the code that produced a result: the git commit of the working tree,
 * marked "+dirty" when tracked files differ from it, so rows and figures name their code.
 */
import { PROJECT_ROOT } from "../paths.ts";

async function git(args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("git", {
      args,
      cwd: PROJECT_ROOT,
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

/** The short commit of the working tree, with "+dirty" when tracked files changed. */
export async function workingTreeVersion(): Promise<string> {
  const commit = await git(["rev-parse", "--short=12", "HEAD"]) ?? "unknown";
  const dirty = (await git(["status", "--porcelain", "--untracked-files=no"]))?.length;
  return dirty ? `${commit}+dirty` : commit;
}
