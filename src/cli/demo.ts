/**
 * `deno task demo`: the main job on the bundled sample photos. Protects each of the six
 * samples with the recommended settings, writes them to results/demo/, and prints what
 * every judge finds before, on the output, and after JPEG q75, with image quality
 * and time per photo.
 */
import { backendLabel, initBackend } from "../backend.ts";
import { DEFAULT_SOURCE_IDS, DETECTOR_IDS } from "../detectors/registry.ts";
import { PROJECT_ROOT, SAMPLES_DIR } from "../paths.ts";
import { readManifest } from "../verified_files.ts";
import { PROTECT_DEFAULTS } from "../protect/defaults.ts";
import { protectFile, type ProtectReport } from "../protect/protect_file.ts";
import { parseFlags, runCli } from "./run_cli.ts";

/** Formats the demo's before/after table: clean -> output / after JPEG q75, per judge. */
export function formatDemoTable(reports: ProtectReport[]): string {
  const header = ["photo", "protected", ...DETECTOR_IDS, "eps", "PSNR dB", "SSIM", "steps", "s"];
  const rows = reports.map((r) => [
    r.input.split("/").pop()!,
    r.fully_protected ? "yes" : "NO",
    ...DETECTOR_IDS.map((id) => {
      const c = r.judges[id];
      return `${c.clean}->${c.protected}/${c.after_jpeg75}`;
    }),
    String(r.eps),
    r.psnr_db.toFixed(1),
    r.ssim.toFixed(3),
    String(r.steps_run),
    r.seconds.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const protectedCount = reports.filter((r) => r.fully_protected).length;
  return [
    `fully protected: ${protectedCount} of ${reports.length} photos (no attacked detector finds ` +
    "a face on the written file or after JPEG q75)",
    "faces per judge: input->output/after JPEG q75 (attacked: " +
    `${DEFAULT_SOURCE_IDS.join(", ")}; the others only judge)`,
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ].join("\n");
}

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, {
    backend: { type: "string" },
    only: { type: "string" },
  });
  const backend = await initBackend(values.backend as string | undefined);
  if (backend.fallbackReason) console.error(`demo: ${backend.fallbackReason}`);
  const manifest = await readManifest(`${SAMPLES_DIR}/manifest.json`);
  const files = manifest.files.map((f) => f.file)
    .filter((f) => !values.only || (values.only as string).split(",").includes(f));
  const outDir = `${PROJECT_ROOT}/results/demo`;
  await Deno.mkdir(outDir, { recursive: true });
  console.error(
    `demo: protecting ${files.length} sample photos with ${PROTECT_DEFAULTS.attack}, budget up to ` +
      `${PROTECT_DEFAULTS.eps}, robust mode, against ${DEFAULT_SOURCE_IDS.join(" + ")}; ` +
      "results in results/demo/",
  );
  const reports: ProtectReport[] = [];
  for (const [i, file] of files.entries()) {
    let lastStep = 0;
    const report = await protectFile(
      `${SAMPLES_DIR}/${file}`,
      `${outDir}/${file.replace(/\.jpe?g$/i, ".png")}`,
      {
        ...PROTECT_DEFAULTS,
        eot: PROTECT_DEFAULTS.eot,
        detectors: [...DEFAULT_SOURCE_IDS],
        judges: [...DETECTOR_IDS],
        backend: backendLabel(backend),
        onProgress: (step, _loss, facesLeft) => {
          if (step - lastStep < 10) return;
          lastStep = step;
          const left = facesLeft < 0 ? "" : `, ${facesLeft} faces left`;
          console.error(`demo: [${i + 1}/${files.length}] ${file}: step ${step}${left}`);
        },
      },
    );
    report.input = `data/samples/${file}`;
    report.output = `results/demo/${file.replace(/\.jpe?g$/i, ".png")}`;
    console.error(
      `demo: [${i + 1}/${files.length}] ${file}: ${
        report.fully_protected ? "protected" : "NOT fully protected"
      } at eps ${report.eps}, ${report.seconds} s, PSNR ${report.psnr_db} dB`,
    );
    reports.push(report);
  }
  console.log(formatDemoTable(reports));
  return 0;
}

if (import.meta.main) await runCli("demo", main);
