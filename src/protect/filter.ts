/**
 * The multi-layer protection filter: photo bytes in, protected photo bytes out, in memory.
 *
 * Layers, in order: (1) the adversarial perturbation (the robust default, or a preset),
 * (2) a hidden message in the pixels that survives JPEG re-encoding, (3) a visible badge,
 * (4) machine-readable metadata marks (XMP Data Mining "prohibited", rights statement,
 * EXIF ImageDescription) written while encoding in the input's format. The perturbation's
 * checks see the candidate with layers 2 and 3 applied and encoded as the final file will
 * be, so the attack only stops once the final file hides the faces. The report then judges
 * the final encoded bytes (judge_output.ts): faces per white-box detector (also after JPEG
 * q75), the hidden message read back, the metadata read back by an independent parser.
 *
 * Nothing is written to disk or logged here.
 */
import { visibilityNote } from "./visibility_note.ts";
import { OUTPUT_QUALITY } from "./defaults.ts";
import { WHITEBOX_IDS } from "../detectors/registry.ts";
import { decodeImage, type DecodeOptions, sniffFormat } from "../image/decode.ts";
import { asWritten, encodeAsWritten, type OutputFormat } from "../image/encode.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import {
  badgeBox,
  type BadgeOptions,
  type Box,
  drawBadge,
  resolveBadgeOptions,
} from "../marks/badge.ts";
import { marksExif, type MarksFound, marksXmp, readMarks } from "../marks/metadata.ts";
import { UserError } from "../errors.ts";
import { embedMessage, messageBytes, type StegoOptions } from "../stego/embed.ts";
import type { StegoReading } from "../stego/extract.ts";
import { DEFAULT_STATEMENT, DEFAULT_STEGO_MESSAGE, parseDoNotProcess } from "../stego/message.ts";
import { codeFits, messageCapacity } from "../stego/layout.ts";
import {
  abortError,
  lastResortSteps,
  type PerturbOptions,
  refineStepsAtBudget,
  type RungOutcome,
} from "./perturb_photo.ts";
import {
  checkVisibleRetry,
  perturbWithRetry,
  type RetriedResult,
  type RetryOutcome,
  type VisibilityMeasure,
} from "./visible_retry.ts";
import { fullyProtected } from "../evaluation/photo_protected.ts";
import { budgetLadder } from "./budget_ladder.ts";
import { judgeOutput, restoreBox } from "./judge_output.ts";
import { ssim } from "../metrics/ssim.ts";
import { MAX_PROTECT_PIXELS } from "./photo_limits.ts";
import { DEFAULT_PRESET_ID, getPreset, type Preset, presetPerturbOptions } from "./presets.ts";
import { type BalanceMode, balanceMode } from "../attacks/ensemble_weights.ts";

export { restoreBox } from "./judge_output.ts";
export { MAX_PROTECT_PIXELS } from "./photo_limits.ts";

/** Which layers to apply. */
export interface LayerSwitches {
  /** Adversarial perturbation against the white-box detectors. */
  perturbation: boolean;
  /** Hidden message in the pixels (survives JPEG q75 and above). */
  stego: boolean;
  /** Visible badge in a corner. */
  badge: boolean;
  /** XMP/EXIF marks: Data Mining prohibited, rights statement, description. */
  metadata: boolean;
}

/** Shortest side, in pixels, of a photo the filter accepts: smaller ones hold no face. */
export const MIN_PHOTO_SIDE = 64;

/** Every layer is on unless switched off. */
export const DEFAULT_LAYERS: Readonly<LayerSwitches> = {
  perturbation: true,
  stego: true,
  badge: true,
  metadata: true,
};

/** Stages of a protection, in order. */
export type FilterStage = "decode" | "perturb" | "stego" | "badge" | "encode" | "check" | "done";

/** Progress of one protection. */
export interface FilterProgress {
  /** Current stage. */
  stage: FilterStage;
  /** Overall share done, 0..1, never decreasing. */
  fraction: number;
  /** One line for people, e.g. "step 40 of 200, 2 faces still found". */
  message: string;
}

/** Options of the filter. */
export interface FilterOptions {
  /** Strength preset id (default DEFAULT_PRESET_ID). */
  preset?: string;
  /** Layers to switch off (or on). */
  layers?: Partial<LayerSwitches>;
  /**
   * Hidden message and metadata statement at once. Default: the do-not-process code
   * (DEFAULT_STEGO_MESSAGE, "EQAI-DNP/1") hidden in the pixels, and the long DEFAULT_STATEMENT
   * in the metadata.
   */
  message?: string;
  /** Badge text, corner, size, opacity. */
  badge?: BadgeOptions;
  /** Seed of the perturbation's random choices (default the preset's). */
  seed?: number;
  /** Cancels the protection; it then throws an AbortError promptly (between attack steps). */
  signal?: AbortSignal;
  /** Progress callback, called at every stage and attack step. */
  onProgress?: (progress: FilterProgress) => void;
  /** Output format (default: the input's format). */
  format?: OutputFormat;
  /** JPEG/WebP quality of the output (default OUTPUT_QUALITY, 97). */
  quality?: number;
  /** Perturbation settings on top of the preset's (attack, eps, steps, detectors...). */
  perturb?: Partial<PerturbOptions>;
  /** Hidden-message strength and key. */
  stego?: StegoOptions;
  /** Rights statement for dc:rights and EXIF Copyright (default RIGHTS_STATEMENT). */
  rights?: string;
  /** Detectors the report counts faces with (default every white-box detector and every attacked one). */
  judges?: string[];
  /**
   * Decoding limits and the name used in error messages. The pixel limit defaults to
   * MAX_PROTECT_PIXELS, what the attack protects within the wasm backend's memory.
   */
  decode?: DecodeOptions;
}

/** Faces one detector finds. */
export interface FilterFaceCounts {
  /** On the input. */
  clean: number;
  /** On the final file. */
  output: number;
  /** On the final file re-encoded as JPEG quality 75. */
  after_jpeg75: number;
}

/** What the filter did and how well it worked, measured on the final bytes. */
export interface FilterReport {
  /** Preset id. */
  preset: string;
  /** Layers applied. */
  layers: LayerSwitches;
  /** Output format. */
  format: OutputFormat;
  /** Output size in pixels. */
  width: number;
  /** Output size in pixels. */
  height: number;
  /** Attack name ("" when the perturbation is off). */
  attack: string;
  /** L-inf budget the photo got, grey levels (0 when the perturbation is off or found no face). */
  eps: number;
  /** White-box detectors attacked. */
  attacked: string[];
  /** How the attacked detectors were weighed (see ensemble_weights.ts; "off" without perturbation). */
  balance: BalanceMode;
  /** Attack steps run. */
  steps_run: number;
  /** Seconds for the whole protection, checks included. */
  seconds: number;
  /** PSNR (dB) of the final file against the input, outside the visible badge. */
  psnr_db: number;
  /** SSIM (RGB mean) of the final file against the input, outside the visible badge. */
  ssim: number;
  /** Largest per-channel change outside the badge, grey levels. */
  linf: number;
  /** Faces per judge (every white-box detector by default). */
  faces: Record<string, FilterFaceCounts>;
  /** The hidden message read back from the final file, and from its JPEG q75 re-encode. */
  stego: { output: StegoReading; after_jpeg75: StegoReading } | null;
  /** Where the badge is, in pixels (null when off or the photo is too small for it). */
  badge: Box | null;
  /** Metadata marks read back from the final file by exifr. */
  metadata: MarksFound;
  /**
   * Identifying metadata the input carried that the output does not (e.g. "GPS position");
   * incomplete when `input_metadata_error` is set.
   */
  removed_metadata: string[];
  /** Why the input's metadata could not be read fully, or null when it could. */
  input_metadata_error: string | null;
  /**
   * Budget escalation: the ceiling the preset (or `eps`) allows, the budget the photo got,
   * and each budget tried in order.
   */
  budget: {
    ceiling: number;
    used: number;
    tried: RungOutcome[];
    /** The second attempt along a finer ladder, when the first one's change showed. */
    retry?: RetryOutcome;
  };
  /**
   * The photo's headline: no attacked detector finds a face on the final file nor on its
   * JPEG q75 re-encode (false when the perturbation is off).
   */
  fully_protected: boolean;
  /** Layers skipped and why (a photo too small for the hidden message or the badge). */
  notes: string[];
  /**
   * The note on per-photo success, also among `notes`: which attacked detectors still find
   * a face, or that success was not measured; null when fully protected or not attacked.
   */
  verdict_note: string | null;
}

/** The protected photo. */
export interface FilterResult {
  /** Encoded bytes of the protected photo. */
  bytes: Uint8Array;
  /** MIME type of `bytes`. */
  contentType: string;
  /** Output format. */
  format: OutputFormat;
  /** How it was made and how well it works. */
  report: FilterReport;
}

const CONTENT_TYPES: Record<OutputFormat, string> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
};

/** Overall progress at the start of each stage (the perturbation takes most of the time). */
const STAGE_START: Record<FilterStage, number> = {
  decode: 0,
  perturb: 0.03,
  stego: 0.8,
  badge: 0.83,
  encode: 0.85,
  check: 0.87,
  done: 1,
};

/**
 * Protects a photo given as bytes (JPEG, PNG or WebP), every layer on unless switched off.
 * Throws a UserError for a bad photo or option, an AbortError when `signal` aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { readMarks } from "../marks/metadata.ts";
 * import { protectPhotoBytes } from "./filter.ts";
 * await initBackend("wasm");
 * const input = await Deno.readFile("data/dev/aksel-andersson-w256.jpg");
 * const { bytes, report } = await protectPhotoBytes(input, {
 *   perturb: { detectors: ["blazeface-front"], steps: 40 }, // quick: one detector
 *   judges: ["blazeface-front"],
 * });
 * assert.equal(report.format, "jpeg"); // the input's format
 * assert.deepEqual(report.faces["blazeface-front"], { clean: 1, output: 0, after_jpeg75: 0 });
 * assert.equal((await readMarks(bytes)).dataMiningProhibited, true);
 * ```
 */
export async function protectPhotoBytes(
  input: Uint8Array,
  options: FilterOptions = {},
): Promise<FilterResult> {
  const start = performance.now();
  const signal = options.signal;
  const progress = progressReporter(options.onProgress);
  const checkAbort = () => {
    if (signal?.aborted) throw abortError(signal);
  };
  const settings = resolveOptions(options);
  const { layers, perturbOptions } = settings;

  checkAbort();
  progress("decode", 0, "reading the photo");
  const image = await decodeImage(input, {
    ...options.decode,
    maxPixels: options.decode?.maxPixels ?? MAX_PROTECT_PIXELS,
  });
  if (Math.min(image.width, image.height) < MIN_PHOTO_SIDE) {
    const label = options.decode?.label;
    throw new UserError(
      `${label ? `${label}: ` : ""}photo is ${image.width}x${image.height}; ` +
        `the short side must be at least ${MIN_PHOTO_SIDE} px to hold a face`,
    );
  }
  const format = options.format ?? sniffFormat(input) ?? "jpeg";
  const inputMarks = await readInputMarks(input);
  const { box, notes } = await planLayers(image, settings);
  if (inputMarks.error) notes.push(inputMarks.note);
  checkAbort();

  // Layers 2 and 3, as one function the perturbation's checks also apply.
  const finish = async (perturbed: RgbImage): Promise<RgbImage> => {
    let result = perturbed;
    if (layers.stego) result = embedMessage(result, settings.message, options.stego);
    if (layers.badge) result = await drawBadge(result, settings.badge);
    return result;
  };
  // The marked photo the second attempt's gate made, reused below when that photo is kept.
  let gated: { perturbed: RgbImage; marked: RgbImage } | undefined;
  const perturbed: RetriedResult = layers.perturbation
    ? await perturbStage(image, perturbOptions, {
      format,
      quality: settings.quality,
      finish,
      signal,
      progress,
      // SSIM as the report will give it: the written file's, outside the badge.
      measure: async (perturbed) => {
        gated = { perturbed, marked: await finish(perturbed) };
        const written = await asWritten(gated.marked, format, settings.quality);
        return ssim(image, box ? restoreBox(written, image, box) : written);
      },
    })
    : {
      image,
      stepsRun: 0,
      facesLeft: 0,
      eps: 0,
      colour: "rgb" as const,
      rungs: [],
      cleanFaces: {},
    };
  checkAbort();

  // `finish` applies the same layers: the gate's marked photo is this one's, not made again.
  const reuse = gated?.perturbed === perturbed.image ? gated.marked : undefined;
  let marked = perturbed.image;
  if (layers.stego) {
    progress("stego", 0, "hiding the message");
    if (!reuse) marked = embedMessage(marked, settings.message, options.stego);
  }
  checkAbort();
  if (layers.badge) {
    progress("badge", 0, "drawing the badge");
    if (!reuse) marked = await drawBadge(marked, settings.badge);
  }
  if (reuse) marked = reuse;
  checkAbort();

  progress("encode", 0, `encoding as ${format.toUpperCase()}`);
  const bytes = await encodeAsWritten(marked, format, settings.quality, {
    exif: settings.exif,
    xmp: settings.xmp,
  });
  checkAbort();

  // The report judges exactly what goes out: the encoded bytes.
  progress("check", 0, "checking the result with every detector");
  const cleanCounts: Record<string, number> = {};
  for (const [id, faces] of Object.entries(perturbed.cleanFaces)) cleanCounts[id] = faces.length;
  const judged = await judgeOutput(image, bytes, {
    judges: settings.judges,
    cleanCounts,
    stego: layers.stego,
    box,
    checkAbort,
    onJudged: (done, total, id) => progress("check", done / (total + 1), `checked ${id}`),
  });
  const attacked = layers.perturbation ? [...perturbOptions.detectors] : [];
  const judgedAttacked = attacked.filter((id) => judged.faces[id] !== undefined);
  const isProtected = layers.perturbation && fullyProtected(judged.faces, judgedAttacked);
  let verdictNote: string | null = null;
  if (layers.perturbation) {
    const note = protectionNote(judged.faces, attacked, judgedAttacked, isProtected, {
      stepsRun: perturbed.stepsRun,
      ceiling: perturbOptions.eps,
      strongest: settings.preset.id === "strong",
    });
    if (note) notes.push(note);
    verdictNote = note ?? null;
    const seen = visibilityNote(judged.ssim, judged.width, judged.height);
    if (seen) notes.push(seen);
    const retry = perturbed.retry;
    if (retry) {
      notes.push(
        `the first protection changed the photo visibly (SSIM ${retry.ssimFirst.toFixed(3)}), ` +
          "so it was protected again along a finer budget ladder: " +
          (retry.kept === "second"
            ? `SSIM ${retry.ssimSecond!.toFixed(3)}, kept`
            : retry.ssimSecond === null
            ? "that left a face, so the first was kept"
            : `SSIM ${retry.ssimSecond.toFixed(3)}, no better, so the first was kept`),
      );
    }
    const last = perturbed.rungs.at(-1);
    if (perturbOptions.lastResort && last?.colour !== perturbed.rungs[0]?.colour) {
      notes.push(
        `every budget up to ${perturbOptions.eps} in colour left a face, so a grey ` +
          `perturbation at ${perturbOptions.eps} was tried last` +
          (last?.carried || last?.resumed ? ", from two starts" : "") +
          (last?.resumed ? ", the closer one carried on" : "") +
          (perturbed.colour === last?.colour ? " and kept: it is more visible" : ""),
      );
    }
  }
  const report: FilterReport = {
    preset: settings.preset.id,
    layers,
    format,
    width: judged.width,
    height: judged.height,
    attack: layers.perturbation ? perturbOptions.attack : "",
    eps: perturbed.eps,
    attacked,
    balance: layers.perturbation ? balanceMode(perturbOptions) : "off",
    steps_run: perturbed.stepsRun,
    seconds: Math.round((performance.now() - start) / 100) / 10,
    psnr_db: judged.psnr_db,
    ssim: judged.ssim,
    linf: judged.linf,
    faces: judged.faces,
    stego: judged.stego,
    badge: box ?? null,
    metadata: judged.metadata,
    removed_metadata: (inputMarks.marks?.identifying ?? []).filter((f) =>
      !judged.metadata.identifying.includes(f)
    ),
    input_metadata_error: inputMarks.error ?? null,
    budget: {
      ceiling: layers.perturbation ? perturbOptions.eps : 0,
      used: perturbed.eps,
      tried: perturbed.rungs,
      ...(perturbed.retry ? { retry: perturbed.retry } : {}),
    },
    fully_protected: isProtected,
    notes,
    verdict_note: verdictNote,
  };
  progress("done", 1, "done");
  return { bytes, contentType: CONTENT_TYPES[format], format, report };
}

/** Every option checked, with its default, before any slow work. */
interface FilterSettings {
  preset: Preset;
  layers: LayerSwitches;
  /** Hidden in the pixels. */
  message: string;
  /** Written in the metadata. */
  statement: string;
  badge: Required<BadgeOptions>;
  perturbOptions: PerturbOptions;
  judges: string[];
  quality: number;
  exif?: ReturnType<typeof marksExif>;
  xmp?: string;
}

/** Checks every option (throwing a UserError for a bad one) and fills in the defaults. */
function resolveOptions(options: FilterOptions): FilterSettings {
  const preset = getPreset(options.preset ?? DEFAULT_PRESET_ID);
  const layers: LayerSwitches = { ...DEFAULT_LAYERS, ...stripUndefined(options.layers ?? {}) };
  const message = options.message ?? DEFAULT_STEGO_MESSAGE;
  const statement = options.message ?? DEFAULT_STATEMENT;
  if (layers.stego || layers.metadata) messageBytes(message);
  const badge = resolveBadgeOptions(options.badge);
  const perturbOptions: PerturbOptions = {
    ...presetPerturbOptions(preset),
    ...stripUndefined(options.perturb ?? {}),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  };
  if (layers.perturbation && perturbOptions.escalation) {
    budgetLadder(perturbOptions.eps, perturbOptions.steps, perturbOptions.escalation);
    if (perturbOptions.visibleRetry) {
      checkVisibleRetry(perturbOptions.visibleRetry, perturbOptions.escalation.ratio);
    }
  }
  const quality = options.quality ?? OUTPUT_QUALITY;
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
    throw new UserError(`quality must be a whole number from 1 to 100, got ${quality}`);
  }
  const marks = { message: statement, rights: options.rights };
  return {
    preset,
    layers,
    message,
    statement,
    badge,
    perturbOptions,
    // Every attacked detector is judged, an attack-only surrogate (haar-smooth) included.
    judges: options.judges ?? [...new Set([...WHITEBOX_IDS, ...perturbOptions.detectors])],
    quality,
    exif: layers.metadata ? marksExif(marks) : undefined,
    xmp: layers.metadata ? marksXmp(marks) : undefined,
  };
}

/**
 * The input's marks and identifying fields. A damaged metadata block is not a reason to
 * refuse the photo (the output carries none of the input's metadata anyway), but the list
 * of removed fields is then incomplete, and the report says so.
 */
async function readInputMarks(
  input: Uint8Array,
): Promise<{ marks?: MarksFound; error?: string; note: string }> {
  try {
    return { marks: await readMarks(input, { strict: true }), note: "" };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      // What could be read, past the damaged block.
      marks: await readMarks(input).catch(() => undefined),
      error: reason,
      note: `the input's metadata could not be read fully (${reason}): the list of removed ` +
        "identifying fields may be incomplete; the output carries none of the input's metadata",
    };
  }
}

/**
 * Switches off, with a note, the layers the photo is too small for (known before the
 * attack: such a photo goes out without them rather than not at all); the badge's box.
 */
async function planLayers(
  image: RgbImage,
  settings: FilterSettings,
): Promise<{ box?: Box; notes: string[] }> {
  const { layers, message } = settings;
  const notes: string[] = [];
  if (layers.stego) {
    const length = messageBytes(message).length;
    const capacity = messageCapacity(image.width, image.height);
    if (parseDoNotProcess(message) !== null) {
      if (!codeFits(image.width, image.height)) {
        layers.stego = false;
        notes.push(
          `hidden message skipped: a ${image.width}x${image.height} photo is too small to ` +
            "hide the do-not-process code robustly (it needs about 96x96 pixels)",
        );
      }
    } else if (capacity < length) {
      layers.stego = false;
      notes.push(
        `hidden message skipped: a ${image.width}x${image.height} photo is too small to hide ` +
          `the ${length}-byte message robustly (it holds ${capacity} bytes)`,
      );
    }
  }
  const box = layers.badge ? await badgeBox(image.width, image.height, settings.badge) : undefined;
  if (layers.badge && !box) {
    layers.badge = false;
    notes.push("badge skipped: the photo is too small for a legible badge");
  }
  return { box, notes };
}

/** Runs the adversarial layer, reporting its steps as the filter's progress. */
function perturbStage(
  image: RgbImage,
  perturbOptions: PerturbOptions,
  context: {
    format: OutputFormat;
    quality: number;
    finish: (image: RgbImage) => Promise<RgbImage>;
    signal?: AbortSignal;
    progress: Progress;
    measure: VisibilityMeasure;
  },
): Promise<RetriedResult> {
  const { progress } = context;
  progress("perturb", 0, "loading the detectors");
  // The last resort's steps come on top of the ladder's, and only when the ladder fails;
  // refinement's once a rung hides every face, at most its count at the ceiling.
  const steps = perturbOptions.steps + lastResortSteps(perturbOptions.lastResort) +
    refineStepsAtBudget(perturbOptions, perturbOptions.eps);
  let attempt = "";
  return perturbWithRetry(image, {
    ...perturbOptions,
    outputFormat: context.format,
    outputQuality: context.quality,
    finish: context.finish,
    signal: context.signal,
    onProgress: (step, loss, facesLeft) => {
      perturbOptions.onProgress?.(step, loss, facesLeft);
      const faces = facesLeft < 0
        ? ""
        : `, ${facesLeft} face${facesLeft === 1 ? "" : "s"} still found`;
      progress("perturb", step / steps, `${attempt}step ${step} of at most ${steps}${faces}`);
    },
  }, () => {
    attempt = "the change shows, a finer ladder: ";
  }, context.measure);
}

/** The note on a photo the attack did not fully protect, or on success not measured. */
function protectionNote(
  faces: Record<string, FilterFaceCounts>,
  attacked: string[],
  judgedAttacked: string[],
  isProtected: boolean,
  run: { stepsRun: number; ceiling: number; strongest: boolean },
): string | undefined {
  if (judgedAttacked.length === 0) {
    return "per-photo success not measured: no attacked detector is among the judges";
  }
  if (isProtected) return undefined;
  const seen = attacked.filter((id) => faces[id] && faces[id].output + faces[id].after_jpeg75 > 0);
  return `not fully protected: ${seen.join(", ")} still find${seen.length === 1 ? "s" : ""} a ` +
    `face after ${run.stepsRun} steps up to the budget ceiling of ${run.ceiling}` +
    (run.strongest ? "" : "; a stronger preset may hide it, at a more visible cost");
}

type Progress = (stage: FilterStage, within: number, message: string) => void;

/** Progress by stage and share of the stage, as a never-decreasing overall fraction. */
function progressReporter(onProgress?: (progress: FilterProgress) => void): Progress {
  let lastFraction = 0;
  return (stage, within, message) => {
    const next = stageEnd(stage);
    const fraction = Math.max(
      lastFraction,
      STAGE_START[stage] + (next - STAGE_START[stage]) * Math.min(1, Math.max(0, within)),
    );
    lastFraction = fraction;
    onProgress?.({ stage, fraction, message });
  };
}

function stageEnd(stage: FilterStage): number {
  const order: FilterStage[] = ["decode", "perturb", "stego", "badge", "encode", "check", "done"];
  const next = order[order.indexOf(stage) + 1];
  return next ? STAGE_START[next] : 1;
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<
    T
  >;
}
