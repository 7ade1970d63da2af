/**
 * Running a sweep: each work unit attacks one image once, up to the largest step count,
 * and is judged at every step count of the grid (checkpoints of the one run) by every
 * target detector after every channel. Units already in rows.jsonl are skipped, so an
 * interrupted sweep resumes where it stopped; a shard runs every N-th unit.
 */
import { describeError, UserError } from "../errors.ts";
import { readImage } from "../image/decode.ts";
import { applyChannel } from "../image/channels.ts";
import { resizeToWidth } from "../image/resize.ts";
import { imageToTensor, type RgbImage, tensorToImage } from "../image/rgb_image.ts";
import { loadDetector, loadWhiteBoxDetector } from "../detectors/registry.ts";
import { detectionRate, matchFaces } from "../metrics/detection.ts";
import { imageQuality } from "../metrics/image_quality.ts";
import { referenceFacesOf } from "../evaluation/evaluate_pair.ts";
import { getAttack } from "../attacks/registry.ts";
import { detectionObjective } from "../attacks/objective.ts";
import { Perturbation } from "../attacks/perturbation.ts";
import type { AttackOptions } from "../attacks/types.ts";
import { PROTECT_DEFAULTS } from "../protect/defaults.ts";
import type { Face } from "../detectors/types.ts";
import { collectProvenance, type Provenance } from "./provenance.ts";
import { appendUnit, openRows, type StoredRow } from "./row_store.ts";
import { expandUnits, shardUnits, type SweepConfig, type WorkUnit } from "./sweep_config.ts";

/** How to run a sweep. */
export interface SweepRunOptions {
  /** Folder for rows.jsonl and run.json. */
  outDir: string;
  /** Run only shard i of N. */
  shard?: { index: number; count: number };
  /** Backend name (already initialised). */
  backend: string;
  /** Progress lines. */
  onProgress?: (message: string) => void;
}

/** What a sweep run did. */
export interface SweepRunSummary {
  /** Units in this shard. */
  units: number;
  /** Units run now. */
  ran: number;
  /** Units found complete from an earlier run. */
  skipped: number;
  /** Units that failed (recorded as error rows). */
  failed: number;
}

/** Stable JSON (sorted keys) for comparing configs. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : 1
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Runs (or resumes) a sweep into options.outDir. */
export async function runSweep(
  config: SweepConfig,
  options: SweepRunOptions,
): Promise<SweepRunSummary> {
  await Deno.mkdir(options.outDir, { recursive: true });
  const runPath = `${options.outDir}/run.json`;
  const provenance = await collectProvenance(options.backend);
  try {
    const existing = JSON.parse(await Deno.readTextFile(runPath));
    if (stableJson(existing.config) !== stableJson(config)) {
      throw new UserError(
        `${options.outDir} holds results of a different config; choose another --out`,
      );
    }
    if (stableJson(existing.shard ?? null) !== stableJson(options.shard ?? null)) {
      throw new UserError(`${options.outDir} holds results of another shard; choose another --out`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    const run = {
      config,
      shard: options.shard ?? null,
      ...provenance,
      started_at: new Date().toISOString(),
    };
    await Deno.writeTextFile(runPath, JSON.stringify(run, null, 2) + "\n");
  }
  const rowsPath = `${options.outDir}/rows.jsonl`;
  const done = new Set((await openRows(rowsPath)).map((r) => r.unit));
  const units = shardUnits(expandUnits(config), options.shard);
  const todo = units.filter((u) => !done.has(u.key));
  const summary: SweepRunSummary = {
    units: units.length,
    ran: 0,
    skipped: units.length - todo.length,
    failed: 0,
  };
  const start = performance.now();
  const cleanCache = new Map<string, CleanJudgement>();
  for (const unit of todo) {
    const rows = await runUnit(unit, config, provenance, cleanCache).catch((error) => {
      if (!(error instanceof UserError)) throw error;
      summary.failed++;
      return [errorRow(unit, describeError(error), provenance)];
    });
    await appendUnit(rowsPath, rows);
    summary.ran++;
    const elapsed = (performance.now() - start) / 1000;
    const rate = summary.ran / elapsed;
    const left = todo.length - summary.ran;
    options.onProgress?.(
      `${summary.skipped + summary.ran}/${units.length} units (${summary.skipped} from before), ` +
        `${(rate * 60).toFixed(1)} units/min, ETA ${formatDuration(left / rate)}`,
    );
  }
  return summary;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function errorRow(unit: WorkUnit, error: string, provenance: Provenance): StoredRow {
  return {
    unit: unit.key,
    unit_rows: 1,
    unit_index: unit.index,
    image: unit.image,
    attack: unit.attack.attack,
    attack_options: unit.attack,
    eps: unit.eps,
    source: unit.source,
    robust: unit.robust,
    seed: unit.seed,
    error,
    code_version: provenance.code_version,
    versions: provenance.versions,
    backend: provenance.backend,
  };
}

/** What the clean photo shows after each channel: reference faces and each target's matches. */
interface CleanJudgement {
  image: RgbImage;
  perChannel: Map<string, { reference: Face["box"][]; cleanMatched: Map<string, number> }>;
}

async function loadScaled(path: string, maxSide?: number): Promise<RgbImage> {
  const image = await readImage(path);
  if (!maxSide || Math.max(image.width, image.height) <= maxSide) return image;
  const scale = maxSide / Math.max(image.width, image.height);
  return await resizeToWidth(image, Math.round(image.width * scale));
}

async function judgeClean(path: string, config: SweepConfig): Promise<CleanJudgement> {
  const image = await loadScaled(path, config.maxSide);
  const perChannel = new Map();
  for (const channel of config.channels) {
    const seen = await applyChannel(image, channel);
    const reference = await referenceFacesOf(seen);
    const cleanMatched = new Map<string, number>();
    for (const id of config.targets) {
      cleanMatched.set(id, matchFaces(reference, await (await loadDetector(id)).detect(seen)).size);
    }
    perChannel.set(channel, { reference, cleanMatched });
  }
  return { image, perChannel };
}

async function runUnit(
  unit: WorkUnit,
  config: SweepConfig,
  provenance: Provenance,
  cache: Map<string, CleanJudgement>,
): Promise<StoredRow[]> {
  const unitStart = performance.now();
  let clean = cache.get(unit.image);
  if (!clean) {
    cache.clear(); // units are ordered by image: keep one image's judgement at a time
    clean = await judgeClean(unit.image, config);
    cache.set(unit.image, clean);
  }
  const image = clean.image;
  const checkpoints = [...new Set(config.steps)].sort((a, b) => a - b);
  const maxSteps = checkpoints.at(-1)!;
  const detectors = [];
  for (const id of unit.source) detectors.push(await loadWhiteBoxDetector(id));
  const { attack: name, robust: _robust, ...attackOptions } = unit.attack;
  const cleanTensor = imageToTensor(image);
  const longSide = Math.max(image.width, image.height);
  const perturbation = new Perturbation(cleanTensor.shape, {
    factor: Math.max(1, longSide / PROTECT_DEFAULTS.variableSide),
  });
  const objective = detectionObjective(detectors.map((detector) => ({ detector })), {
    eot: unit.robust ? PROTECT_DEFAULTS.eot : undefined,
    seed: unit.seed,
  });
  const measured = new Map<number, StoredRow[]>();
  let stoppedAt: number | undefined;
  const judge = async (candidate: RgbImage, step: number): Promise<boolean> => {
    const rows: StoredRow[] = [];
    let sourceFaces = 0;
    const quality = imageQuality(image, candidate);
    for (const channel of config.channels) {
      const seen = await applyChannel(candidate, channel);
      const { reference, cleanMatched } = clean!.perChannel.get(channel)!;
      for (const id of new Set([...config.targets, ...unit.source])) {
        const found = await (await loadDetector(id)).detect(seen);
        if (unit.source.includes(id)) sourceFaces += found.length;
        if (!config.targets.includes(id)) continue;
        const matched = matchFaces(reference, found).size;
        const onClean = cleanMatched.get(id)!;
        rows.push({
          unit: unit.key,
          unit_rows: 0,
          unit_index: unit.index,
          image: unit.image,
          width: image.width,
          height: image.height,
          attack: name,
          attack_options: attackOptions,
          eps: unit.eps,
          steps: step,
          source: unit.source,
          robust: unit.robust,
          seed: unit.seed,
          target: id,
          channel,
          clean_faces: onClean,
          protected_faces: found.length,
          matched,
          detection_rate: detectionRate(onClean, matched) ?? null,
          ...quality,
          seconds: Math.round((performance.now() - unitStart) / 100) / 10,
          code_version: provenance.code_version,
          versions: provenance.versions,
          backend: provenance.backend,
        });
      }
    }
    measured.set(step, rows);
    return (config.earlyStop ?? true) && sourceFaces === 0;
  };
  try {
    const result = await getAttack(name).run({
      clean: cleanTensor,
      objective,
      perturbation,
      checkpoint: {
        every: 1,
        at: checkpoints,
        check: async (candidate, step) => {
          const stop = await judge(await tensorToImage(candidate), step);
          if (stop) stoppedAt = step;
          return stop;
        },
      },
    }, { ...attackOptions, eps: unit.eps, steps: maxSteps, seed: unit.seed } as AttackOptions);
    result.adversarial.dispose();
  } finally {
    cleanTensor.dispose();
    perturbation.dispose();
    objective.dispose?.();
  }
  // A checkpoint after the run ended (early stop, or a one-step attack such as FGSM)
  // would show the same image: record the last measured rows under its step count.
  const rows: StoredRow[] = [];
  const measuredSteps = [...measured.keys()].sort((a, b) => a - b);
  for (const step of checkpoints) {
    const from = measuredSteps.filter((m) => m <= step).at(-1) ?? measuredSteps[0];
    rows.push(
      ...measured.get(from)!.map((r) => ({
        ...r,
        steps: step,
        steps_run: from,
        ...(stoppedAt !== undefined && step > stoppedAt ? { stopped_early_at: stoppedAt } : {}),
      })),
    );
  }
  return rows.map((r) => ({ ...r, unit_rows: rows.length }));
}
