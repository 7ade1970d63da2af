/**
 * Protecting one photo file end to end: read it, run the multi-layer filter (perturbation,
 * hidden message, badge, metadata marks) in memory, write the result atomically in the
 * format its name asks for, and report faces per judge on the written file, also after
 * a JPEG q75 re-encode, with the layers applied and read back.
 */
import { readFileBytes } from "../image/decode.ts";
import { formatFromPath, writeFileAtomic } from "../image/encode.ts";
import { UserError } from "../errors.ts";
import type { BadgeOptions, Box } from "../marks/badge.ts";
import type { MarksFound } from "../marks/metadata.ts";
import type { StegoOptions } from "../stego/embed.ts";
import type { StegoReading } from "../stego/extract.ts";
import type { PerturbOptions } from "./perturb_photo.ts";
import {
  type FilterProgress,
  type FilterReport,
  type LayerSwitches,
  protectPhotoBytes,
} from "./filter.ts";
import { DEFAULT_PRESET_ID } from "./presets.ts";

/** Faces each detector finds before and after protection. */
export interface FaceCounts {
  /** On the clean input. */
  clean: number;
  /** On the written output file. */
  protected: number;
  /** On the written output re-encoded as JPEG quality 75. */
  after_jpeg75: number;
}

/** What `protect --json` prints. */
export interface ProtectReport {
  /** Input path. */
  input: string;
  /** Output path. */
  output: string;
  /** Backend that ran. */
  backend: string;
  /** Strength preset the settings started from. */
  preset: string;
  /** Layers applied. */
  layers: LayerSwitches;
  /** Attack name ("" when the perturbation is off). */
  attack: string;
  /** How the attacked detectors were weighed: off, log or adaptive (see ensemble_weights.ts). */
  balance: FilterReport["balance"];
  /** Budget the photo got (0 when the perturbation is off or there was no face). */
  eps: number;
  /** Budget escalation: ceiling, budget used, each budget tried. */
  budget: FilterReport["budget"];
  /** No attacked detector finds a face on the written file or after JPEG q75. */
  fully_protected: boolean;
  /** Steps run (early stopping may end sooner). */
  steps_run: number;
  /** Wall-clock seconds for the whole protection, judging included. */
  seconds: number;
  /** PSNR of output vs input, dB, outside the visible badge. */
  psnr_db: number;
  /** SSIM (RGB mean) of output vs input, outside the visible badge. */
  ssim: number;
  /** Largest per-channel change outside the badge, grey levels. */
  linf: number;
  /** Face counts per judge (detector id): every detector that counted faces. */
  judges: Record<string, FaceCounts>;
  /** Hidden message read back from the written file and from its JPEG q75 re-encode. */
  stego: { output: StegoReading; after_jpeg75: StegoReading } | null;
  /** Badge position in pixels, or null. */
  badge: Box | null;
  /** Metadata marks read back from the written file. */
  metadata: MarksFound;
  /** Identifying metadata of the input that the output no longer carries (incomplete when the next is set). */
  removed_metadata: string[];
  /** Why the input's metadata could not be read fully, or null. */
  input_metadata_error: string | null;
  /** Layers skipped and why (a photo too small for the hidden message or the badge). */
  notes: string[];
  /** The note among `notes` on per-photo success; null when fully protected or not attacked. */
  verdict_note: string | null;
}

/** Options for protecting a file: full perturbation settings plus the other layers. */
export interface ProtectFileOptions extends Omit<PerturbOptions, "outputFormat"> {
  /** Encoder quality for JPEG/WebP outputs (default OUTPUT_QUALITY, 97). */
  quality?: number;
  /** Detectors to judge the result with (default: all registered). */
  judges: string[];
  /** Backend name for the report. */
  backend: string;
  /** Preset the perturbation settings came from, for the report (default "standard"). */
  preset?: string;
  /** Layers to switch off (all on by default). */
  layers?: Partial<LayerSwitches>;
  /**
   * Hidden message and metadata statement at once (default: the do-not-process code hidden,
   * the long statement in the metadata).
   */
  message?: string;
  /** Badge text, corner, size and opacity. */
  badge?: BadgeOptions;
  /** Hidden-message strength and key. */
  stego?: StegoOptions;
  /** Stage-level progress of the whole filter. */
  onFilterProgress?: (progress: FilterProgress) => void;
  /** Where warnings go (default: one line on stderr each). */
  onWarning?: (message: string) => void;
}

/** Refuses output paths that would overwrite the input or cannot be written, before any work. */
export async function checkOutputPath(input: string, output: string): Promise<void> {
  formatFromPath(output);
  const resolve = async (path: string) => {
    try {
      return await Deno.realPath(path);
    } catch {
      return undefined;
    }
  };
  const inputReal = await resolve(input);
  const outputReal = await resolve(output);
  if (output === input || (inputReal !== undefined && inputReal === outputReal)) {
    throw new UserError(`${output}: output is the input file; refusing to overwrite the original`);
  }
  const slash = output.lastIndexOf("/");
  const dir = slash >= 0 ? output.slice(0, slash) || "/" : ".";
  const probe = `${dir}/.equalais-write-test-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeFile(probe, new Uint8Array(), { createNew: true });
    await Deno.remove(probe);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "folder does not exist" : "not writable";
    throw new UserError(`${output}: cannot write there (${reason})`);
  }
}

/**
 * Protects `input` into `output` and reports how well it worked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backendLabel, initBackend } from "../backend.ts";
 * import { PROTECT_DEFAULTS } from "./defaults.ts";
 * import { protectFile } from "./protect_file.ts";
 * const backend = await initBackend("wasm");
 * const output = await Deno.makeTempFile({ suffix: ".png" });
 * const report = await protectFile("data/dev/aksel-andersson-w256.jpg", output, {
 *   ...PROTECT_DEFAULTS, detectors: ["blazeface-front"], steps: 40, // quick: one detector
 *   judges: ["blazeface-front"], backend: backendLabel(backend),
 * });
 * await Deno.remove(output);
 * assert.equal(report.fully_protected, true);
 * assert.deepEqual(report.judges["blazeface-front"], { clean: 1, protected: 0, after_jpeg75: 0 });
 * assert.equal(report.stego?.after_jpeg75.message, "EQAI-DNP/1");
 * ```
 */
export async function protectFile(
  input: string,
  output: string,
  options: ProtectFileOptions,
): Promise<ProtectReport> {
  await checkOutputPath(input, output);
  const format = formatFromPath(output);
  const bytes = await readFileBytes(input);
  const {
    quality,
    judges,
    backend: _backend,
    preset,
    layers,
    message,
    badge,
    stego,
    onFilterProgress,
    onWarning = (message: string) => console.error(`warning: ${message}`),
    seed,
    signal,
    ...perturb
  } = options;
  const result = await protectPhotoBytes(bytes, {
    preset: preset ?? DEFAULT_PRESET_ID,
    perturb,
    seed,
    signal,
    layers,
    message,
    badge,
    stego,
    format,
    quality,
    judges,
    decode: { label: input },
    onProgress: onFilterProgress,
  });
  await writeFileAtomic(output, result.bytes);
  const { report } = result;
  if (report.input_metadata_error !== null) {
    onWarning(
      `${input}: its metadata could not be read fully (${report.input_metadata_error}), so ` +
        "the identifying fields reported as removed may be incomplete",
    );
  }
  const counts: Record<string, FaceCounts> = {};
  for (const [id, c] of Object.entries(report.faces)) {
    counts[id] = { clean: c.clean, protected: c.output, after_jpeg75: c.after_jpeg75 };
  }
  return {
    input,
    output,
    backend: options.backend,
    preset: report.preset,
    layers: report.layers,
    attack: report.attack,
    balance: report.balance,
    eps: report.eps,
    budget: report.budget,
    fully_protected: report.fully_protected,
    steps_run: report.steps_run,
    seconds: report.seconds,
    psnr_db: report.psnr_db,
    ssim: report.ssim,
    linf: report.linf,
    judges: counts,
    stego: report.stego,
    badge: report.badge,
    metadata: report.metadata,
    removed_metadata: report.removed_metadata,
    input_metadata_error: report.input_metadata_error,
    notes: report.notes,
    verdict_note: report.verdict_note,
  };
}
