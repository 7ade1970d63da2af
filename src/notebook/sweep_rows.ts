/**
 * Rows for a notebook: the stored sweep results when they have what the notebook needs,
 * otherwise a small sweep run right now, so every notebook works on a fresh clone. Small
 * sweeps are cached in a temporary folder keyed by their config and the code version
 * (rerunning a cell, or another notebook with the same sweep, reuses the rows).
 */
import { tmpdir } from "node:os";
import { initBackend } from "../backend.ts";
import { sha256Hex } from "../hash.ts";
import { PROJECT_ROOT } from "../paths.ts";
import { runSweep, stableJson } from "../experiments/run_sweep.ts";
import { type SweepConfig, validateConfig } from "../experiments/sweep_config.ts";
import { workingTreeVersion } from "../experiments/code_version.ts";
import { measuredRows, readResultRows, type ResultRow } from "../charts/result_rows.ts";

/** The environment variable that moves the small-sweep cache. */
export const CACHE_ENV = "EQUALAIS_NOTEBOOK_CACHE";

/** Rows and where they came from. */
export interface NotebookRows {
  /** Measured rows. */
  rows: ResultRow[];
  /** The rows file read or written. */
  source: string;
  /** True when the rows come from a sweep run (or cached) for this notebook. */
  ranSweep: boolean;
}

/** A path relative to the repository root made absolute (absolute paths stay). */
export function projectPath(path: string): string {
  return path.startsWith("/") ? path : `${PROJECT_ROOT}/${path}`;
}

/**
 * What is missing from `rows` for a config's grid: a channel, attack, eps or source set the
 * config asks for; undefined when nothing is.
 */
export function missingFromRows(
  rows: readonly ResultRow[],
  want: Pick<SweepConfig, "channels"> & Partial<SweepConfig>,
): string | undefined {
  if (rows.length === 0) return "no rows";
  const has = (values: unknown[], name: string, list: unknown[] | undefined) => {
    const present = new Set(values.map((v) => JSON.stringify(v)));
    const missing = (list ?? []).find((v) => !present.has(JSON.stringify(v)));
    return missing === undefined ? undefined : `${name} ${JSON.stringify(missing)}`;
  };
  return has(rows.map((r) => r.channel), "channel", want.channels) ??
    has(rows.map((r) => r.eps), "eps", want.eps) ??
    has(rows.map((r) => r.source), "source set", want.sources) ??
    has(rows.map((r) => r.target), "judge", want.judges);
}

/**
 * The stored rows at `rowsPath` (relative to the repository root) when present and
 * covering what `needs` asks for; otherwise the rows of `config` run now (or from cache).
 */
export async function rowsOrSmallSweep(
  rowsPath: string | null,
  config: SweepConfig,
  options: {
    needs?: Pick<SweepConfig, "channels"> & Partial<SweepConfig>;
    onProgress?: (line: string) => void;
  } = {},
): Promise<NotebookRows> {
  const log = options.onProgress ?? ((line: string) => console.log(line));
  if (rowsPath) {
    const path = projectPath(rowsPath);
    try {
      const rows = measuredRows(await readResultRows(path));
      const missing = missingFromRows(rows, options.needs ?? { channels: [] });
      if (!missing) {
        log(`${rows.length} rows from ${rowsPath}`);
        return { rows, source: path, ranSweep: false };
      }
      log(`${rowsPath} lacks ${missing}: running a small sweep instead`);
    } catch (error) {
      if (!(error instanceof Error && /no such rows file/.test(error.message))) throw error;
      log(`${rowsPath} not found: running a small sweep instead`);
    }
  }
  const resolved = validateConfig({
    ...config,
    images: config.images.map(projectPath),
  });
  const key = (await sha256Hex(
    new TextEncoder().encode(stableJson(resolved) + (await workingTreeVersion())),
  )).slice(0, 12);
  const cache = Deno.env.get(CACHE_ENV) ?? `${tmpdir()}/equalais-notebooks`;
  const outDir = `${cache}/${resolved.name}-${key}`;
  const backend = await initBackend();
  const start = performance.now();
  const summary = await runSweep(resolved, {
    outDir,
    backend: backend.name,
    onProgress: (line) => log(`sweep: ${line}`),
  });
  log(
    `sweep ${resolved.name}: ${summary.ran} units run, ${summary.skipped} cached, ` +
      `${summary.failed} failed, ${((performance.now() - start) / 1000).toFixed(0)} s (${outDir})`,
  );
  const rows = measuredRows(await readResultRows(`${outDir}/rows.jsonl`));
  return { rows, source: `${outDir}/rows.jsonl`, ranSweep: true };
}
