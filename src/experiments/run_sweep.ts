/**
 * Running a sweep: each work unit attacks one image once, up to the largest step count,
 * and is judged at every step count of the grid (checkpoints of the one run) by every
 * judge after every channel. Units already in rows.jsonl are skipped, so an
 * interrupted sweep resumes where it stopped; a shard runs every N-th unit. The run holds
 * the results folder's lock from start to end (dir_lock.ts), so it is the only writer.
 *
 * On a GPU, units that differ only in their image (same attack, budget, sources, robust
 * mode and seed) and whose images have the same size are attacked together, as one
 * batch through every forward/backward pass; `batch` sets how many (default: 1 on CPU
 * backends, from memory on webgpu). A photo gets the random start and EOT draws it would get
 * alone; only float rounding can differ with the batch size.
 */
import { describeError, UserError } from "../errors.ts";
import { type CleanJudgement, judgeClean } from "./clean_judgement.ts";
import { lockResultsDir } from "./dir_lock.ts";
import { expandImages } from "./image_glob.ts";
import { collectProvenance, type Provenance } from "./provenance.ts";
import { errorRow } from "./result_row.ts";
import { prepareResultsDir } from "./results_dir.ts";
import { appendUnit, type StoredRow } from "./row_store.ts";
import { runBatch } from "./run_batch.ts";
import { resolveBatch } from "./sweep_batch_size.ts";
import { expandUnits, shardUnits, type SweepConfig, type WorkUnit } from "./sweep_config.ts";
import { hashInputs } from "./sweep_inputs.ts";
import { scheduleUnits } from "./sweep_schedule.ts";

export { stableJson } from "./stable_json.ts";

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
  /**
   * Resume a folder whose run.json predates input hashing, recording today's photos as its
   * inputs (only when they are the photos its rows came from).
   */
  adoptInputs?: boolean;
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

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Stores each finished unit's rows, counts it and reports progress with an ETA. */
class UnitSink {
  readonly #start = performance.now();

  constructor(
    readonly rowsPath: string,
    readonly summary: SweepRunSummary,
    readonly todo: number,
    readonly provenance: Provenance,
    readonly onProgress?: (message: string) => void,
  ) {}

  /** Appends a unit's rows and reports progress. */
  async finished(rows: StoredRow[]): Promise<void> {
    await appendUnit(this.rowsPath, rows);
    const summary = this.summary;
    summary.ran++;
    const rate = summary.ran / ((performance.now() - this.#start) / 1000);
    const left = this.todo - summary.ran;
    this.onProgress?.(
      `${summary.skipped + summary.ran}/${summary.units} units (${summary.skipped} from before), ` +
        `${(rate * 60).toFixed(1)} units/min, ETA ${formatDuration(left / rate)}`,
    );
  }

  /** Records a unit that failed on bad input as an error row; rethrows anything else. */
  async failed(unit: WorkUnit, error: unknown): Promise<void> {
    if (!(error instanceof UserError)) throw error;
    this.summary.failed++;
    await this.finished([errorRow(unit, describeError(error), this.provenance)]);
  }
}

/**
 * A settings group's units split by their decoded photo size (one batch each), with their
 * clean judgements; a photo that cannot be judged fails its unit.
 */
async function batchesBySize(
  group: WorkUnit[],
  config: SweepConfig,
  cleanCache: Map<string, CleanJudgement>,
  sink: UnitSink,
): Promise<{ units: WorkUnit[]; clean: CleanJudgement[] }[]> {
  const bySize = new Map<string, { units: WorkUnit[]; clean: CleanJudgement[] }>();
  for (const unit of group) {
    let clean = cleanCache.get(unit.image);
    if (!clean) {
      try {
        clean = await judgeClean(unit.image, config);
      } catch (error) {
        await sink.failed(unit, error);
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
  return [...bySize.values()];
}

/** Runs the units not yet done, batch by batch, into the sink. */
async function runUnits(
  todo: WorkUnit[],
  batch: number,
  config: SweepConfig,
  sink: UnitSink,
): Promise<void> {
  for (const chunk of await scheduleUnits(todo, batch, config.maxSide)) {
    const cleanCache = new Map<string, CleanJudgement>();
    for (const group of chunk) {
      for (const { units, clean } of await batchesBySize(group, config, cleanCache, sink)) {
        let rows: StoredRow[][];
        try {
          rows = await runBatch(units, clean, config, sink.provenance);
        } catch (error) {
          for (const unit of units) await sink.failed(unit, error);
          continue;
        }
        for (const unitRows of rows) await sink.finished(unitRows);
      }
    }
  }
}

/** Runs (or resumes) a sweep into options.outDir, holding the folder's lock throughout. */
export async function runSweep(
  config: SweepConfig,
  options: SweepRunOptions,
): Promise<SweepRunSummary> {
  await Deno.mkdir(options.outDir, { recursive: true });
  const shard = options.shard;
  const lock = await lockResultsDir(
    options.outDir,
    `sweep ${config.name}${shard ? ` --shard ${shard.index}/${shard.count}` : ""}`,
  );
  try {
    const provenance = await collectProvenance(options.backend, options.adapter);
    const images = expandImages(config.images);
    const units = shardUnits(expandUnits(config, images), shard);
    const done = await prepareResultsDir(lock, {
      config,
      shard,
      provenance,
      inputs: await hashInputs(images),
      units,
      adoptInputs: options.adoptInputs,
    });
    const todo = units.filter((u) => !done.has(u.key));
    const summary: SweepRunSummary = {
      units: units.length,
      ran: 0,
      skipped: units.length - todo.length,
      failed: 0,
    };
    const sink = new UnitSink(
      `${options.outDir}/rows.jsonl`,
      summary,
      todo.length,
      provenance,
      options.onProgress,
    );
    const batch = todo.length ? await resolveBatch(options, config, todo) : 1;
    await runUnits(todo, batch, config, sink);
    return summary;
  } finally {
    await lock.release();
  }
}
