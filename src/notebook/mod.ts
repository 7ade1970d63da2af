/**
 * What the research notebooks import besides the library (`../src/mod.ts`): parameters,
 * rows (stored or from a small sweep), the chart specs, and notebook display.
 *
 * @example
 * ```ts
 * // In a notebook (notebooks/), the path is "../src/notebook/mod.ts".
 * import assert from "node:assert/strict";
 * import { detectionVsEpsFigure, notebookParams, rowsOrSmallSweep, showFigure } from "./mod.ts";
 * for (const f of [detectionVsEpsFigure, notebookParams, rowsOrSmallSweep, showFigure]) {
 *   assert.equal(typeof f, "function");
 * }
 * ```
 */
export { notebookParams, PARAMS_ENV } from "./params.ts";
export {
  CACHE_ENV,
  missingFromRows,
  type NotebookRows,
  projectPath,
  rowsOrSmallSweep,
} from "./sweep_rows.ts";
export type { SweepConfig } from "../experiments/sweep_config.ts";
export { attackLabel } from "../experiments/attack_label.ts";
export { resizeToWidth } from "../image/resize.ts";
export { imageQuality } from "../metrics/image_quality.ts";
export { applyChannel } from "../image/channels.ts";
export { type PlotlyFigure } from "../charts/figure.ts";
export {
  ensembleSource,
  measuredRows,
  readResultRows,
  type ResultRow,
  sourceLabel,
} from "../charts/result_rows.ts";
export { pooledRateOverImages } from "../charts/rate_estimate.ts";
export { detectionVsEpsFigure, detectionVsEpsSeries } from "../charts/detection_vs_eps.ts";
export { transferHeatmapFigure, transferMatrices } from "../charts/transfer_heatmap.ts";
export {
  paretoFront,
  qualityTradeoffFigure,
  representativePoints,
  tradeoffPoints,
} from "../charts/quality_tradeoff.ts";
export { channelProtection, channelRobustnessFigure } from "../charts/channel_robustness.ts";
export { type ImagePanel, imagePanelsFigure } from "../charts/image_panels.ts";
export { showFigure, showImages, showMarkdown } from "../charts/notebook_display.ts";
export { PAPER_FIGURES } from "../charts/paper_figures.ts";
export { CROSS_FAMILY_SWEEP, ROBUSTNESS_SWEEP, SMALL_SWEEP } from "./small_sweeps.ts";
export { crossFamilyFigure, crossFamilyStudy } from "../charts/cross_family.ts";
export { crossFamilyTable } from "../report/cross_family_table.ts";
export {
  protectionRunsOrSmall,
  type ProtectionRunsParams,
  readProtectionRows,
} from "./protection_runs.ts";
export { protectionComparisonFigure, protectionOutcomes } from "../charts/protection_comparison.ts";
export { summarizeProtection } from "../evaluation/protect_set.ts";
