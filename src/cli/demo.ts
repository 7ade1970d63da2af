/**
 * `deno task demo`: the main job on the bundled sample photos. For now it runs every
 * detector over data/samples/ and prints the faces each one finds.
 */
import { initBackend } from "../backend.ts";
import { DETECTOR_IDS } from "../detectors/registry.ts";
import { SAMPLES_DIR } from "../paths.ts";
import { readManifest } from "../verified_files.ts";
import { detectFiles, formatDetectTable } from "./detect.ts";
import { parseFlags, runCli } from "./run_cli.ts";

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, { backend: { type: "string" } });
  const backend = await initBackend(values.backend as string | undefined);
  if (backend.fallbackReason) console.error(`demo: ${backend.fallbackReason}`);
  const manifest = await readManifest(`${SAMPLES_DIR}/manifest.json`);
  const files = manifest.files.map((f) => f.file);
  console.error(`demo: running ${DETECTOR_IDS.length} detectors on ${files.length} sample photos`);
  const report = await detectFiles(
    files.map((file) => `${SAMPLES_DIR}/${file}`),
    [...DETECTOR_IDS],
    backend.name,
    (message) => console.error(`demo: ${message.replace(`${SAMPLES_DIR}/`, "")}`),
  );
  // Show paths as the README names them, not as absolute paths.
  report.images.forEach((img, i) => img.path = `data/samples/${files[i]}`);
  console.log(formatDetectTable(report, [...DETECTOR_IDS]));
  return 0;
}

if (import.meta.main) await runCli("demo", main);
