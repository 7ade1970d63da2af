/**
 * The rows a sweep stores for a work unit: the provenance every row carries, a failed
 * unit's single error row, and a unit's measured rows spread over the grid's step counts.
 */
import type { Provenance } from "./provenance.ts";
import type { StoredRow } from "./row_store.ts";
import type { WorkUnit } from "./sweep_config.ts";

/** The provenance fields every row carries (warnings only when a fact fell back). */
export function provenanceFields(provenance: Provenance): Record<string, unknown> {
  return {
    code_version: provenance.code_version,
    versions: provenance.versions,
    backend: provenance.backend,
    ...(provenance.adapter ? { adapter: provenance.adapter } : {}),
    threads: provenance.threads,
    ...(provenance.provenance_warnings
      ? { provenance_warnings: provenance.provenance_warnings }
      : {}),
  };
}

/** The one row of a unit that failed, with the reason. */
export function errorRow(unit: WorkUnit, error: string, provenance: Provenance): StoredRow {
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
    ...provenanceFields(provenance),
  };
}

/**
 * One unit's rows at every checkpoint. A checkpoint after its image's run ended (early
 * stop, or a one-step attack such as FGSM) would show the same image: it gets the last
 * measured rows under its step count.
 */
export function unitRows(
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
