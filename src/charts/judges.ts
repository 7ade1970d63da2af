/**
 * Which judges a protection figure counts: the detectors the attack was aimed at
 * ("attacked"), every judge in the rows ("all"), or a named list.
 */
import type { ResultRow } from "./result_rows.ts";

/** "attacked" (judges within the row's source set), "all", or detector ids. */
export type JudgeSelection = "attacked" | "all" | readonly string[];

/** Whether a row's judge is among the selected ones. */
export function isSelectedJudge(row: ResultRow, judges: JudgeSelection): boolean {
  if (judges === "all") return true;
  if (judges === "attacked") return row.source.includes(row.target);
  return judges.includes(row.target);
}

/** Words for a selection, for figure titles. */
export function describeJudges(judges: JudgeSelection): string {
  if (judges === "all") return "all judges";
  if (judges === "attacked") return "the attacked detectors";
  return judges.join(", ");
}
