/**
 * `deno task setup`: everything the other tasks need, from a machine with only Node.js.
 * Idempotent and quick when already done. npm packages come from `deno install`
 * (run by the task before this script); Debian packages a manifest names (`debian:`
 * entries, e.g. opencv-data for the Haar cascade) are installed with apt-get when running
 * as root; this copies model files, sample photos and the development set out of the pinned
 * packages (making the development set's crops and downscales with the pinned sharp) and
 * verifies every SHA-256.
 */
import { describeError, UserError } from "../errors.ts";
import { DEV_DIR, MODELS_DIR, NODE_MODULES, SAMPLES_DIR } from "../paths.ts";
import { ensureChromium } from "./chromium.ts";
import { ensureJupyter } from "./jupyter.ts";
import { ensureFonts } from "./fonts.ts";
import { ensureWebgpuLibraries } from "./webgpu.ts";
import { ensureSlurm } from "./slurm.ts";
import { aptInstall, hasAptGet } from "./apt.ts";
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

/** How a manifest file is made from another file of the same manifest. */
export interface Derivation {
  /** The manifest file it is made from (copied and verified first). */
  from: string;
  /** Region cut out first, in the source's pixels. */
  extract?: { left: number; top: number; width: number; height: number };
  /** Width to scale down to; the height keeps the aspect ratio. */
  width?: number;
  /** JPEG quality of the result. */
  quality: number;
}

/** Writes `dir/file` from `dir/derived.from` with the pinned sharp (reproducible bytes). */
export async function writeDerived(dir: string, file: string, derived: Derivation): Promise<void> {
  const { default: sharp } = await import("sharp");
  let image = sharp(`${dir}/${derived.from}`);
  if (derived.extract) image = image.extract(derived.extract);
  if (derived.width) image = image.resize({ width: derived.width });
  await image.jpeg({ quality: derived.quality }).toFile(`${dir}/${file}`);
}

/**
 * Makes each entry of a manifest that has a `derived` field (a crop or downscale of another of
 * its files) unless a verified copy is there, then verifies it. Returns the names made.
 */
async function deriveFiles(manifest: Manifest, dir: string): Promise<string[]> {
  const made: string[] = [];
  for (const entry of manifest.files) {
    const derived = entry.derived as Derivation | undefined;
    if (!derived || await verifyFile(dir, entry).then(() => true, () => false)) continue;
    await writeDerived(dir, entry.file, derived);
    await verifyFile(dir, entry);
    made.push(entry.file);
  }
  return made;
}

async function main(): Promise<void> {
  checkDenoVersion();
  const start = performance.now();
  const sets = [
    ["models", MODELS_DIR],
    ["sample photos", SAMPLES_DIR],
    ["development set", DEV_DIR],
  ] as const;
  for (const [what, dir] of sets) {
    const manifest = await readManifest(`${dir}/manifest.json`);
    await installDebianPackages(manifest, dir);
    const copies = { ...manifest, files: manifest.files.filter((entry) => !entry.derived) };
    const copied = await materialize(copies, dir, NODE_MODULES);
    const made = await deriveFiles(manifest, dir);
    const note = [copied.length && `copied ${copied.length}`, made.length && `made ${made.length}`]
      .filter(Boolean).join(", ") || "already in place";
    console.error(`setup: ${what}: ${manifest.files.length} files verified (${note})`);
  }
  await ensureChromium();
  await ensureJupyter();
  await ensureFonts();
  await ensureWebgpuLibraries();
  await ensureSlurm();
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
