/**
 * `deno task detect <image...> [--detectors LIST|all] [--backend B] [--json]`
 *
 * Runs face detectors on photos. Prints a table, or with --json exactly one JSON object:
 * `{"backend", "adapter"?, "images": [{"path", "width", "height", "detectors": {"<id>":
 * {"faces", "ms"}}}]}`: `backend` is the backend's id (`wasm`, `webgpu`, ...) and `adapter`,
 * on webgpu only, the WebGPU adapter it ran on, as in sweep rows.
 * A bad image is reported (with "error") and the others are still processed; the exit
 * code is non-zero if any image failed.
 */
import { type BackendInfo, initBackend } from "../backend.ts";
import { describeError, UserError } from "../errors.ts";
import { readImage } from "../image/decode.ts";
import { loadDetector, parseDetectorList } from "../detectors/registry.ts";
import type { Face } from "../detectors/types.ts";
import { parseFlags, runCli } from "./run_cli.ts";

/** Faces found by one detector in one image, and how long it took. */
export interface DetectorResult {
  /** Faces, boxes as [x, y, w, h] in source pixels. */
  faces: Face[];
  /** Milliseconds spent in the detector. */
  ms: number;
}

/** One image's entry in the report. */
export interface ImageReport {
  /** The path as given. */
  path: string;
  /** Width in pixels (absent when the image could not be read). */
  width?: number;
  /** Height in pixels (absent when the image could not be read). */
  height?: number;
  /** Results per detector id. */
  detectors: Record<string, DetectorResult>;
  /** Why the image could not be processed. */
  error?: string;
}

/** Which backend ran, as reports and sweep rows name it. */
export interface BackendFields {
  /** The backend's id, e.g. "wasm" or "webgpu". */
  backend: string;
  /** The WebGPU adapter it ran on, e.g. "NVIDIA H200" (webgpu only). */
  adapter?: string;
}

/** The whole report printed by --json. */
export interface DetectReport extends BackendFields {
  /** One entry per input path, in order. */
  images: ImageReport[];
}

/**
 * The backend as the report names it: its id, and the adapter only where webgpu runs (on
 * wasm, `info.adapter` is the one `auto` passed over, which ran nothing).
 */
export function backendFields(info: Pick<BackendInfo, "name" | "adapter">): BackendFields {
  return info.name === "webgpu" && info.adapter
    ? { backend: info.name, adapter: info.adapter.name }
    : { backend: info.name };
}

/** Runs the detectors over the paths and collects a report; bad images get an error entry. */
export async function detectFiles(
  paths: string[],
  detectorIds: string[],
  backend: BackendFields,
  onProgress?: (message: string) => void,
): Promise<DetectReport> {
  const detectors = [];
  for (const id of detectorIds) detectors.push(await loadDetector(id));
  const images: ImageReport[] = [];
  for (const path of paths) {
    const report: ImageReport = { path, detectors: {} };
    images.push(report);
    try {
      const image = await readImage(path);
      report.width = image.width;
      report.height = image.height;
      for (const detector of detectors) {
        const start = performance.now();
        const faces = await detector.detect(image);
        report.detectors[detector.id] = {
          faces: faces.map((f) => ({
            box: f.box.map(round1) as Face["box"],
            score: round4(f.score),
          })),
          ms: Math.round(performance.now() - start),
        };
      }
      onProgress?.(`${path}: done`);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      report.error = describeError(error);
    }
  }
  return { ...backend, images };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** Formats a report as a plain-text table: one row per image, face counts per detector. */
export function formatDetectTable(report: DetectReport, detectorIds: string[]): string {
  const header = ["image", "size", ...detectorIds];
  const rows = report.images.map((img) => {
    if (img.error) return [img.path, "-", ...detectorIds.map(() => "error")];
    return [
      img.path,
      `${img.width}x${img.height}`,
      ...detectorIds.map((id) => `${img.detectors[id].faces.length} (${img.detectors[id].ms} ms)`),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const backend = report.adapter ? `${report.backend} (${report.adapter})` : report.backend;
  const out = [`backend: ${backend}`, line(header), line(widths.map((w) => "-".repeat(w)))];
  out.push(...rows.map(line));
  return out.join("\n");
}

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(Deno.args, {
    detectors: { type: "string", default: "all" },
    backend: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    console.log(
      "usage: deno task detect <image...> [--detectors LIST|all] [--backend auto|wasm|cpu|webgpu|tensorflow] [--json]",
    );
    return 0;
  }
  if (positionals.length === 0) throw new UserError("no images given (usage: detect <image...>)");
  const detectorIds = parseDetectorList(values.detectors as string);
  const backend = await initBackend(values.backend as string | undefined);
  if (backend.fallbackReason) console.error(`detect: ${backend.fallbackReason}`);
  const report = await detectFiles(positionals, detectorIds, backendFields(backend));
  for (const img of report.images) {
    if (img.error) console.error(`detect: error: ${img.error}`);
  }
  console.log(values.json ? JSON.stringify(report) : formatDetectTable(report, detectorIds));
  return report.images.some((img) => img.error) ? 1 : 0;
}

if (import.meta.main) await runCli("detect", main);
