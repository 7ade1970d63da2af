/**
 * The paper's results tables, computed from a sweep's rows only: detection rates pooled
 * over images (reference faces found on the protected image after the channel, divided by
 * those found on the clean image), and mean image quality, as Markdown.
 */
import type { StoredRow } from "../experiments/row_store.ts";
import { attackLabel } from "../experiments/attack_label.ts";
import { unitFullyProtected } from "../experiments/summarize.ts";

/** Pooled detection rate of rows: sum of matched faces over sum of clean faces (null if none). */
export function pooledDetectionRate(rows: StoredRow[]): number | null {
  let clean = 0;
  let matched = 0;
  for (const r of rows) {
    clean += r.clean_faces as number;
    matched += r.matched as number;
  }
  return clean === 0 ? null : matched / clean;
}

function percent(rate: number | null): string {
  return rate === null ? "–" : `${Math.round(rate * 100)}%`;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function sourceKey(row: StoredRow): string {
  return (row.source as string[]).join("+");
}

function ordered<T>(values: Iterable<T>, compare?: (a: T, b: T) => number): T[] {
  return [...new Set(values)].sort(compare);
}

function markdownTable(header: string[], lines: string[][]): string {
  const rule = header.map((_h, i) => (i === 0 ? "---" : "---:"));
  return [header, rule, ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

/** One line per attack and eps that has rows: the two names, then `cells` of those rows. */
function attackEpsLines(
  selected: StoredRow[],
  cells: (cell: StoredRow[]) => string[],
): string[][] {
  const epsList = ordered(selected.map((r) => r.eps as number), (a, b) => a - b);
  return ordered(selected.map(attackLabel)).flatMap((attack) =>
    epsList.flatMap((eps) => {
      const cell = selected.filter((r) => attackLabel(r) === attack && r.eps === eps);
      return cell.length === 0 ? [] : [[attack, String(eps), ...cells(cell)]];
    })
  );
}

/** The sources of the sweep, largest set (the full ensemble) first among equals by name. */
function ensembleSource(rows: StoredRow[]): string {
  return rows.reduce(
    (best, r) => (r.source as string[]).length > best.split("+").length ? sourceKey(r) : best,
    sourceKey(
      rows[0],
    ),
  );
}

/**
 * Table per channel: for the full-ensemble source at the largest step count, the photos
 * fully protected (no attacked detector finds a face on the photo nor after JPEG q75: the
 * same column in every channel's table), the pooled detection rate of the attacked
 * detectors together and of every other judge, with mean PSNR/SSIM, for each attack and eps.
 */
export function ensembleTable(rows: StoredRow[], channel: string): string {
  const ok = rows.filter((r) => !r.error);
  const maxSteps = Math.max(...ok.map((r) => r.steps as number));
  const source = ensembleSource(ok);
  const sourceIds = source.split("+");
  const selected = ok.filter((r) =>
    r.steps === maxSteps && sourceKey(r) === source && r.channel === channel
  );
  const judges = ordered(selected.map((r) => r.target as string)).filter((t) =>
    !sourceIds.includes(t)
  );
  // Every channel's rows of each unit at the last step, grouped once: the headline needs both.
  const finalByUnit = new Map<string, StoredRow[]>();
  for (const r of ok) {
    if (r.steps !== maxSteps) continue;
    const rows = finalByUnit.get(r.unit);
    if (rows) rows.push(r);
    else finalByUnit.set(r.unit, [r]);
  }
  const lines = attackEpsLines(selected, (cell) => {
    const units = new Map(cell.map((r) => [r.unit, r]));
    const protectedUnits = [...units.keys()].filter((u) => unitFullyProtected(finalByUnit.get(u)!));
    return [
      `${protectedUnits.length} of ${units.size}`,
      percent(pooledDetectionRate(cell.filter((r) => sourceIds.includes(r.target as string)))),
      ...judges.map((j) => percent(pooledDetectionRate(cell.filter((r) => r.target === j)))),
      mean([...units.values()].map((r) => r.psnr_db as number)).toFixed(1),
      mean([...units.values()].map((r) => r.ssim_rgb as number)).toFixed(3),
    ];
  });
  return markdownTable(
    ["attack", "eps", "photos fully protected", "attacked detectors", ...judges, "PSNR dB", "SSIM"],
    lines,
  );
}

/**
 * Table of step counts: the attacked detectors' pooled detection rate after the channel at
 * each checkpoint, per attack and eps, for the full ensemble.
 */
export function stepsTable(rows: StoredRow[], channel: string): string {
  const ok = rows.filter((r) => !r.error && r.channel === channel);
  const source = ensembleSource(ok);
  const sourceIds = source.split("+");
  const selected = ok.filter((r) =>
    sourceKey(r) === source && sourceIds.includes(r.target as string)
  );
  const steps = ordered(selected.map((r) => r.steps as number), (a, b) => a - b);
  const lines = attackEpsLines(
    selected,
    (cell) => steps.map((n) => percent(pooledDetectionRate(cell.filter((r) => r.steps === n)))),
  );
  return markdownTable(["attack", "eps", ...steps.map((s) => `${s} steps`)], lines);
}

/**
 * Transfer table: every attacked source set against every judge, pooled over images and attacks
 * at one eps and the largest step count, after one channel.
 */
export function transferTable(rows: StoredRow[], channel: string, eps: number): string {
  const ok = rows.filter((r) => !r.error && r.channel === channel && r.eps === eps);
  const maxSteps = Math.max(...ok.map((r) => r.steps as number));
  const selected = ok.filter((r) => r.steps === maxSteps && r.attack !== "fgsm");
  const sources = ordered(
    selected.map(sourceKey),
    (a, b) => a.split("+").length - b.split("+").length || a.localeCompare(b),
  );
  const judges = ordered(selected.map((r) => r.target as string));
  const lines = sources.map((source) => [
    source,
    ...judges.map((t) =>
      percent(
        pooledDetectionRate(selected.filter((r) => sourceKey(r) === source && r.target === t)),
      )
    ),
  ]);
  return markdownTable(["attacked \\ judge", ...judges], lines);
}

/** What the sweep covered, for the report's set-up section. */
export function sweepFacts(rows: StoredRow[]): {
  units: number;
  rows: number;
  failed: number;
  images: number;
  stoppedEarly: number;
  versions: unknown;
  backend: unknown;
  codeVersions: string[];
  unitsPerImage: Record<string, number>;
} {
  const ok = rows.filter((r) => !r.error);
  const units = new Map(rows.map((r) => [r.unit, r]));
  return {
    units: units.size,
    rows: rows.length,
    failed: rows.filter((r) => r.error).length,
    images: new Set(rows.map((r) => r.image)).size,
    stoppedEarly: new Set(ok.filter((r) => r.stopped_early_at !== undefined).map((r) => r.unit))
      .size,
    versions: ok[0]?.versions,
    backend: ok[0]?.backend,
    codeVersions: ordered(ok.map((r) => r.code_version as string)),
    unitsPerImage: Object.fromEntries(
      ordered([...units.values()].map((r) => r.image as string)).map((image) => [
        image,
        [...units.values()].filter((r) => r.image === image).length,
      ]),
    ),
  };
}
