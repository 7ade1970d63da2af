/**
 * `deno task inspect <image> [--json] [--detectors LIST|all] [--backend B]`
 *
 * Shows whether a photo carries EqualAIs' protection: the metadata marks, the hidden message
 * with its confidence (or "none"), the faces each detector finds, and a one-line verdict.
 * `--json` prints `{"metadata": {...}, "stego": {"message", "confidence", "code"},
 * "detectors": {"<id>": n}, "verdict": "..."}`.
 */
import { initBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { readFileBytes } from "../image/decode.ts";
import { parseDetectorList } from "../detectors/registry.ts";
import { inspectPhoto, type InspectReport } from "../inspect/inspect_photo.ts";
import { parseFlags, runCli } from "./run_cli.ts";

const USAGE =
  "usage: deno task inspect <image> [--json] [--detectors LIST|all] [--backend auto|wasm|cpu|webgpu|tensorflow]";

/** Formats a report for people. */
export function formatInspectReport(path: string, report: InspectReport): string {
  const { metadata, stego } = report;
  const lines = [path];
  lines.push(
    `metadata: Data Mining ${metadata.dataMining ?? "not set"}` +
      (metadata.usageTerms ? `; usage terms "${metadata.usageTerms}"` : "") +
      (metadata.identifying.length ? `; identifying: ${metadata.identifying.join(", ")}` : ""),
  );
  const confidence = `(confidence ${stego.confidence.toFixed(2)})`;
  lines.push(
    stego.message === null
      ? `hidden message: none ${confidence}`
      : stego.code
      ? `hidden message: do-not-process code ${stego.message}, ${stego.code.meaning} ${confidence}`
      : `hidden message: "${stego.message}" ${confidence}`,
  );
  lines.push("faces:");
  for (const [id, n] of Object.entries(report.detectors)) {
    lines.push(`  ${id.padEnd(16)} ${n}`);
  }
  lines.push(`verdict: ${report.verdict}`);
  return lines.join("\n");
}

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(Deno.args, {
    json: { type: "boolean", default: false },
    detectors: { type: "string", default: "all" },
    backend: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UserError(`give exactly one image\n${USAGE}`);
  const path = positionals[0];
  const detectors = parseDetectorList(values.detectors as string);
  const bytes = await readFileBytes(path);
  const backend = await initBackend(values.backend as string | undefined);
  if (backend.fallbackReason) console.error(`inspect: ${backend.fallbackReason}`);
  const report = await inspectPhoto(bytes, { detectors, decode: { label: path } });
  console.log(values.json ? JSON.stringify(report) : formatInspectReport(path, report));
  return 0;
}

if (import.meta.main) await runCli("inspect", main);
