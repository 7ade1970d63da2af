/**
 * The report's leave-one-family-out table: per held-out neural family, what its detectors
 * still find (on the file and after JPEG 75) beside the attacked detectors and Haar.
 */
import { crossFamilyStudy, type GroupRate } from "../charts/cross_family.ts";
import { measuredRows } from "../charts/result_rows.ts";
import type { StoredRow } from "../experiments/row_store.ts";
import { UserError } from "../errors.ts";

function cell(rates: GroupRate[], channel: string): string {
  const estimate = rates.find((r) => r.channel === channel)?.estimate;
  if (!estimate) return "–";
  const rate = `${Math.round(estimate.rate * 100)}%`;
  return estimate.se === null ? rate : `${rate} ± ${Math.round(estimate.se * 100)}`;
}

/** Markdown table of the study at one budget (the largest step checkpoint, attacks pooled). */
export function crossFamilyTable(rows: StoredRow[], eps: number): string {
  const measured = measuredRows(rows);
  if (!measured.some((r) => r.eps === eps)) {
    throw new UserError(`the leave-one-family-out rows have no eps ${eps}`);
  }
  const study = crossFamilyStudy(measured, { eps, channels: ["identity", "jpeg75"] });
  const header = [
    "held out",
    "its judges",
    "held out, file",
    "held out, JPEG 75",
    "attacked, JPEG 75",
    "Haar, JPEG 75",
  ];
  const lines = study.results.map((r) => [
    r.heldOut,
    r.heldOutJudges.join(", "),
    cell(r.heldOutRates, "identity"),
    cell(r.heldOutRates, "jpeg75"),
    cell(r.attackedRates, "jpeg75"),
    cell(r.haarRates, "jpeg75"),
  ]);
  const rule = header.map((_h, i) => (i < 2 ? "---" : "---:"));
  return [header, rule, ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n") +
    `\n\n${study.steps} steps, ${study.attacks.join(", ")}; detection rate ± 1 s.e. over photos ` +
    "(percentage points).";
}
