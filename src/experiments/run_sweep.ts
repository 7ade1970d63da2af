/**
 * Running a sweep: each work unit attacks one image once, up to the largest step count,
 * and is judged at every step count of the grid (checkpoints of the one run) by every
 * target detector after every channel. Units already in rows.jsonl are skipped, so an
 * interrupted sweep resumes where it stopped; a shard runs every N-th unit.
 *
 * On a GPU, units that differ only in their image (same attack, budget, sources, robust
 * mode and seed) and whose images have the same size are attacked together, as one
 * batch through every forward/backward pass; `batch` sets how many (default: 1 on CPU
 * backends, from memory on webgpu). A photo gets the random start and EOT draws it would get
 * alone; only float rounding can differ with the batch size.
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
import { activeBackend } from "../backend.ts";
import { batchForMemory, gpuMemoryBudget, measureStep } from "../gpu/batch_size.ts";
import { webgpuMaxBindingBytes } from "../gpu/webgpu_backend.ts";
import * as tf from "@tensorflow/tfjs";
import sharp from "sharp";
import { adversarialView, CleanResizes } from "../attacks/adversarial_view.ts";

/** How to run a sweep. */
export interface SweepRunOptions {
  /** Folder for rows.jsonl and run.json. */
  outDir: string;
  /** Run only shard i of N. */
  shard?: { index: number; count: number };
  /** Backend name (already initialised). */
  backend: string;
  /** The WebGPU adapter's name when the backend is webgpu (recorded beside it). */
  adapter?: string;
  /**
   * Images attacked together in one batch (same settings and size): a number, or "auto"
   * (default): 1 on CPU backends, as many as the GPU's memory allows on webgpu.
   */
  batch?: number | "auto";
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
  const provenance = await collectProvenance(options.backend, options.adapter);
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
  const batch = todo.length ? await resolveBatch(options, config, todo) : 1;
  const start = performance.now();
  const finished = async (rows: StoredRow[]) => {
    await appendUnit(rowsPath, rows);
    summary.ran++;
    const elapsed = (performance.now() - start) / 1000;
    const rate = summary.ran / elapsed;
    const left = todo.length - summary.ran;
    options.onProgress?.(
      `${summary.skipped + summary.ran}/${units.length} units (${summary.skipped} from before), ` +
        `${(rate * 60).toFixed(1)} units/min, ETA ${formatDuration(left / rate)}`,
    );
  };
  const failed = async (unit: WorkUnit, error: unknown) => {
    if (!(error instanceof UserError)) throw error;
    summary.failed++;
    await finished([errorRow(unit, describeError(error), provenance)]);
  };
  // Units are ordered by image: take `batch` images at a time and, within them, attack
  // together the units that differ only in their image. With a batch of 1 this is the
  // grid's own order, one unit at a time; larger batches take photos of one size together.
  const distinct = [...new Set(todo.map((u) => u.image))];
  const images = batch > 1 ? await groupBySize(distinct, config.maxSide) : distinct;
  for (let first = 0; first < images.length; first += batch) {
    const chunk = new Set(images.slice(first, first + batch));
    const groups = new Map<string, WorkUnit[]>();
    for (const unit of todo.filter((u) => chunk.has(u.image))) {
      const key = JSON.stringify([unit.attack, unit.eps, unit.source, unit.robust, unit.seed]);
      groups.set(key, [...groups.get(key) ?? [], unit]);
    }
    const cleanCache = new Map<string, CleanJudgement>();
    for (const group of groups.values()) {
      const bySize = new Map<string, { units: WorkUnit[]; clean: CleanJudgement[] }>();
      for (const unit of group) {
        let clean = cleanCache.get(unit.image);
        if (!clean) {
          try {
            clean = await judgeClean(unit.image, config);
          } catch (error) {
            await failed(unit, error);
            continue;
          }
          cleanCache.set(unit.image, clean);
        }
        const size = `${clean.image.width}x${clean.image.height}`;
        const entry = bySize.get(size) ?? { units: [], clean: [] };
        entry.units.push(unit);
        entry.clean.push(clean);
        bySize.set(size, entry);
      }
      for (const { units: together, clean } of bySize.values()) {
        let rows: StoredRow[][];
        try {
          rows = await runBatch(together, clean, config, provenance);
        } catch (error) {
          for (const unit of together) await failed(unit, error);
          continue;
        }
        for (const unitRows of rows) await finished(unitRows);
      }
    }
  }
  return summary;
}

/**
 * The images reordered so that those of one (scaled) size follow each other, sizes in
 * order of first appearance. Sizes come from the file headers; an estimate is enough,
 * since a batch is split by the decoded size anyway.
 */
async function groupBySize(images: string[], maxSide?: number): Promise<string[]> {
  const bySize = new Map<string, string[]>();
  for (const path of images) {
    let key = "?";
    try {
      const { width = 0, height = 0, orientation = 1 } = await sharp(path).metadata();
      const [w, h] = orientation >= 5 ? [height, width] : [width, height];
      const scale = maxSide && Math.max(w, h) > maxSide ? maxSide / Math.max(w, h) : 1;
      key = `${Math.round(w * scale)}x${Math.round(h * scale)}`;
    } catch {
      // Unreadable here: judged (and reported) like any other image later.
    }
    bySize.set(key, [...bySize.get(key) ?? [], path]);
  }
  return [...bySize.values()].flat();
}

/**
 * Images per batch: the option when it is a number; with "auto", 1 on CPU backends and
 * on webgpu as many as one image's measured step fits into the GPU's memory.
 */
async function resolveBatch(
  options: SweepRunOptions,
  config: SweepConfig,
  todo: WorkUnit[],
): Promise<number> {
  const requested = options.batch ?? "auto";
  if (requested !== "auto") {
    if (!(Number.isInteger(requested) && requested >= 1)) {
      throw new UserError(`batch must be a whole number >= 1 or "auto", got ${requested}`);
    }
    return requested;
  }
  if (options.backend !== "webgpu") return 1;
  // One photo's step for every distinct source set and robust mode: the dearest decides.
  const image = await loadScaled(todo[0].image, config.maxSide);
  const seen = new Set<string>();
  let footprint = { peakBytes: 0, largestTensorBytes: 0 };
  for (const unit of todo) {
    const key = JSON.stringify([unit.source, unit.robust]);
    if (seen.has(key)) continue;
    seen.add(key);
    const measured = await measureUnitStep(unit, image);
    footprint = {
      peakBytes: Math.max(footprint.peakBytes, measured.peakBytes),
      largestTensorBytes: Math.max(footprint.largestTensorBytes, measured.largestTensorBytes),
    };
  }
  const budget = await gpuMemoryBudget(activeBackend()?.adapter);
  const batch = batchForMemory(budget, footprint, webgpuMaxBindingBytes());
  options.onProgress?.(
    `batch: up to ${batch} photos of one size per forward/backward (one photo's step: ` +
      `${(footprint.peakBytes / 2 ** 20).toFixed(0)} MiB; budget ` +
      `${(budget.bytes / 2 ** 30).toFixed(1)} GiB from ${budget.source})`,
  );
  return batch;
}

/** The memory of one attack step of a unit's settings on one photo. */
async function measureUnitStep(unit: WorkUnit, image: RgbImage) {
  const detectors = [];
  for (const id of unit.source) detectors.push(await loadWhiteBoxDetector(id));
  const clean = imageToTensor(image);
  const perturbation = new Perturbation(clean.shape, {
    factor: Math.max(1, Math.max(image.width, image.height) / PROTECT_DEFAULTS.variableSide),
  });
  const objective = detectionObjective(detectors.map((detector) => ({ detector })), {
    eot: unit.robust ? PROTECT_DEFAULTS.eot : undefined,
    seed: unit.seed,
  });
  const resizes = new CleanResizes(clean);
  const variable = tf.zeros(perturbation.variableShape) as tf.Tensor4D;
  try {
    await objective.prepare?.(clean, 1);
    return await measureStep(() => {
      const { value, grad } = tf.valueAndGrad((v: tf.Tensor) =>
        objective.loss(adversarialView(resizes, perturbation, v as tf.Tensor4D), 1)
      )(variable);
      tf.dispose([value, grad]);
    });
  } finally {
    tf.dispose([clean, variable]);
    resizes.dispose();
    perturbation.dispose();
    objective.dispose?.();
  }
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
    ...(provenance.adapter ? { adapter: provenance.adapter } : {}),
    threads: provenance.threads,
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

/**
 * Attacks the units' images together (same settings, same size) and returns each unit's
 * rows, in the order given. Each image is judged at every checkpoint until its own
 * sources find no face (early stop); the batch runs on while any image is left.
 */
async function runBatch(
  units: WorkUnit[],
  cleans: CleanJudgement[],
  config: SweepConfig,
  provenance: Provenance,
): Promise<StoredRow[][]> {
  const unitStart = performance.now();
  const unit = units[0]; // the settings all units share
  const checkpoints = [...new Set(config.steps)].sort((a, b) => a - b);
  const maxSteps = checkpoints.at(-1)!;
  const detectors = [];
  for (const id of unit.source) detectors.push(await loadWhiteBoxDetector(id));
  const { attack: name, robust: _robust, ...attackOptions } = unit.attack;
  const { width, height } = cleans[0].image;
  const cleanTensor = tf.tidy(() => tf.concat(cleans.map((c) => imageToTensor(c.image))));
  const longSide = Math.max(width, height);
  const perturbation = new Perturbation(cleanTensor.shape, {
    factor: Math.max(1, longSide / PROTECT_DEFAULTS.variableSide),
  });
  const objective = detectionObjective(detectors.map((detector) => ({ detector })), {
    eot: unit.robust ? PROTECT_DEFAULTS.eot : undefined,
    seed: unit.seed,
  });
  const measured = units.map(() => new Map<number, StoredRow[]>());
  const stoppedAt: (number | undefined)[] = units.map(() => undefined);
  const judge = async (i: number, candidate: RgbImage, step: number): Promise<boolean> => {
    const { image, perChannel } = cleans[i];
    const rows: StoredRow[] = [];
    let sourceFaces = 0;
    const quality = imageQuality(image, candidate);
    for (const channel of config.channels) {
      const seen = await applyChannel(candidate, channel);
      const { reference, cleanMatched } = perChannel.get(channel)!;
      for (const id of new Set([...config.targets, ...unit.source])) {
        const found = await (await loadDetector(id)).detect(seen);
        if (unit.source.includes(id)) sourceFaces += found.length;
        if (!config.targets.includes(id)) continue;
        const matched = matchFaces(reference, found).size;
        const onClean = cleanMatched.get(id)!;
        rows.push({
          unit: units[i].key,
          unit_rows: 0,
          unit_index: units[i].index,
          image: units[i].image,
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
          batch_images: units.length,
          code_version: provenance.code_version,
          versions: provenance.versions,
          backend: provenance.backend,
          ...(provenance.adapter ? { adapter: provenance.adapter } : {}),
          threads: provenance.threads,
        });
      }
    }
    measured[i].set(step, rows);
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
        check: async (candidates, step) => {
          for (let i = 0; i < units.length; i++) {
            if (stoppedAt[i] !== undefined) continue;
            const one = tf.tidy(() => candidates.slice([i, 0, 0, 0], [1, -1, -1, -1]));
            const candidate = await tensorToImage(one);
            one.dispose();
            if (await judge(i, candidate, step)) stoppedAt[i] = step;
          }
          return stoppedAt.every((s) => s !== undefined);
        },
      },
    }, { ...attackOptions, eps: unit.eps, steps: maxSteps, seed: unit.seed } as AttackOptions);
    result.adversarial.dispose();
  } finally {
    cleanTensor.dispose();
    perturbation.dispose();
    objective.dispose?.();
  }
  return units.map((_, i) => unitRows(measured[i], checkpoints, stoppedAt[i]));
}

/**
 * One unit's rows at every checkpoint. A checkpoint after its image's run ended (early
 * stop, or a one-step attack such as FGSM) would show the same image: it gets the last
 * measured rows under its step count.
 */
function unitRows(
  measured: Map<number, StoredRow[]>,
  checkpoints: number[],
  stoppedAt: number | undefined,
): StoredRow[] {
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
