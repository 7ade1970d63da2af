/**
 * Regenerates the tables of a Markdown report in place: every block between
 * `<!-- table:NAME -->` and `<!-- /table:NAME -->` is replaced by the table NAME computed
 * from the rows, so the numbers in the paper can only come from stored results.
 */
import type { StoredRow } from "../experiments/row_store.ts";
import { UserError } from "../errors.ts";
import { ensembleTable, stepsTable, sweepFacts, transferTable } from "./tables.ts";
import type { ProtectedPhotoRow } from "../evaluation/protect_set.ts";
import { protectionTable } from "./protection_table.ts";
import { crossFamilyTable } from "./cross_family_table.ts";

/** Table names a report may use, each a function of the rows. */
export const REPORT_TABLES: Readonly<Record<string, (rows: StoredRow[]) => string>> = {
  "ensemble-identity": (rows) => ensembleTable(rows, "identity"),
  "ensemble-jpeg75": (rows) => ensembleTable(rows, "jpeg75"),
  "steps-jpeg75": (rows) => stepsTable(rows, "jpeg75"),
  "transfer-identity-eps8": (rows) => transferTable(rows, "identity", 8),
  "transfer-jpeg75-eps8": (rows) => transferTable(rows, "jpeg75", 8),
  "facts": (rows) => {
    const f = sweepFacts(rows);
    return [
      `- ${f.units} attack runs on ${f.images} photos, ${f.rows} result rows, ${f.failed} failed;`,
      `  ${f.stoppedEarly} runs stopped early once no attacked detector found a face.`,
      `- Backend ${f.backend}; versions ${JSON.stringify(f.versions)};`,
      `  code ${f.codeVersions.join(", ")}.`,
      `- Attack runs per photo: ${
        Object.entries(f.unitsPerImage).map(([image, n]) => `${image.split("/").at(-1)} ${n}`)
          .join(", ")
      }.`,
    ].join("\n");
  },
};

/** Table names computed from the leave-one-family-out study's rows. */
export const CROSS_FAMILY_TABLES: Readonly<Record<string, (rows: StoredRow[]) => string>> = {
  "cross-family-eps8": (rows) => crossFamilyTable(rows, 8),
  "cross-family-eps16": (rows) => crossFamilyTable(rows, 16),
};

const BLOCK = /<!-- table:([a-z0-9-]+) -->\n[\s\S]*?<!-- \/table:\1 -->/g;

/** Table names computed from protect-eval runs (per-photo rows, by setting label). */
export const PROTECTION_TABLES: Readonly<
  Record<string, (runs: Record<string, ProtectedPhotoRow[]>) => string>
> = {
  "protection-dev": protectionTable,
};

/**
 * Returns the report text with every table block recomputed from the sweep rows, or for
 * protection tables from `protection` (protect-eval rows by setting), for leave-one-family-out
 * tables from `crossFamily` (that study's sweep rows); unknown names are an error.
 */
export function fillTables(
  report: string,
  rows: StoredRow[],
  protection: Record<string, ProtectedPhotoRow[]> = {},
  crossFamily: StoredRow[] = [],
): string {
  if (rows.length === 0) throw new UserError("no result rows to build the report's tables from");
  return report.replace(BLOCK, (_block, name: string) => {
    const fromRuns = PROTECTION_TABLES[name];
    if (fromRuns) return `<!-- table:${name} -->\n${fromRuns(protection)}\n<!-- /table:${name} -->`;
    const fromStudy = CROSS_FAMILY_TABLES[name];
    if (fromStudy) {
      if (crossFamily.length === 0) {
        throw new UserError(`table "${name}" needs the leave-one-family-out rows`);
      }
      return `<!-- table:${name} -->\n${fromStudy(crossFamily)}\n<!-- /table:${name} -->`;
    }
    const make = REPORT_TABLES[name];
    if (!make) {
      throw new UserError(
        `report names an unknown table "${name}" (known: ${
          [
            ...Object.keys(REPORT_TABLES),
            ...Object.keys(PROTECTION_TABLES),
            ...Object.keys(CROSS_FAMILY_TABLES),
          ].join(", ")
        })`,
      );
    }
    return `<!-- table:${name} -->\n${make(rows)}\n<!-- /table:${name} -->`;
  });
}
