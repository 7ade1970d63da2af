/**
 * apt-get for set-up's Debian packages: whether it can run, and installing as root
 * (non-interactive, waiting for another apt-get's lock, refreshing missing package lists).
 */
import { UserError } from "../errors.ts";

/** Runs apt-get with the given arguments, non-interactively; returns its exit code and output. */
async function aptGet(args: string[]): Promise<{ success: boolean; output: string }> {
  const { success, stdout, stderr } = await new Deno.Command("apt-get", {
    // Waits for another apt-get (another set-up, an unattended upgrade) instead of failing.
    args: ["-o", "DPkg::Lock::Timeout=600", ...args],
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { success, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

/** Whether apt-get can be run on this machine. */
export async function hasAptGet(): Promise<boolean> {
  try {
    return (await aptGet(["--version"])).success;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** apt-get install as root, running apt-get update once if the package lists are missing. */
export async function aptInstall(packages: string[]): Promise<void> {
  const install = ["install", "-y", "--no-install-recommends", ...packages];
  const command = `apt-get ${install.join(" ")}`;
  console.error(`setup: installing Debian package ${packages.join(", ")} (${command})`);
  let result = await aptGet(install);
  if (
    !result.success &&
    /Unable to locate package|no installation candidate|Failed to fetch/.test(result.output)
  ) {
    console.error("setup: apt package lists missing; running apt-get update");
    const update = await aptGet(["update"]);
    if (!update.success) {
      throw new UserError(`apt-get update failed: ${lastLines(update.output)}`);
    }
    result = await aptGet(install);
  }
  if (!result.success) throw new UserError(`${command} failed: ${lastLines(result.output)}`);
}

function lastLines(output: string): string {
  return output.trim().split("\n").slice(-3).join(" | ");
}
