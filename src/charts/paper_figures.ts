/**
 * The paper's figures: each a name, a line on what it shows, and how it is built from a
 * sweep's rows. `deno task figures` renders exactly these; notebooks show the same specs.
 */
import { attackLabel } from "../experiments/attack_label.ts";
import { UserError } from "../errors.ts";
import { channelRobustnessFigure } from "./channel_robustness.ts";
import { crossFamilyFigure } from "./cross_family.ts";
import { detectionVsEpsFigure } from "./detection_vs_eps.ts";
import type { PlotlyFigure } from "./figure.ts";
import { qualityTradeoffFigure } from "./quality_tradeoff.ts";
import { distinct, type ResultRow } from "./result_rows.ts";
import { transferHeatmapFigure } from "./transfer_heatmap.ts";

/** The sweeps whose rows the paper's figures read, and their committed rows files. */
export const FIGURE_STUDIES = {
  /** The attack x budget x detector sweep (results/configs/paper.json). */
  paper: "results/paper/rows.jsonl",
  /** Leave-one-family-out (results/configs/cross_family.json). */
  "cross-family": "results/cross-family/rows.jsonl",
} as const;

/** Which study's rows a figure reads. */
export type FigureStudy = keyof typeof FIGURE_STUDIES;

/** One paper figure. */
export interface PaperFigure {
  /** File name stem (papers/figures/<name>.svg and .png). */
  name: string;
  /** Which study's rows it is drawn from. */
  study: FigureStudy;
  /** What it shows. */
  description: string;
  /** Builds the figure from measured rows. */
  build(rows: readonly ResultRow[]): PlotlyFigure;
}

/** eps 8 when the rows have it (the protection tool's range), else their largest. */
function transferEps(rows: readonly ResultRow[]): number {
  return rows.some((r) => r.eps === 8) ? 8 : Math.max(...rows.map((r) => r.eps));
}

function requireChannel(rows: readonly ResultRow[], channel: string): void {
  if (!rows.some((r) => r.channel === channel)) {
    throw new UserError(`the rows have no channel "${channel}", which the paper figures need`);
  }
}

/** Every figure of the paper, in order. */
export const PAPER_FIGURES: readonly PaperFigure[] = [
  {
    name: "detection_vs_eps_identity",
    study: "paper",
    description: "Detection rate vs eps per judge, full ensemble attacked, no re-encoding",
    build: (rows) => {
      requireChannel(rows, "identity");
      return detectionVsEpsFigure(rows, { channel: "identity" });
    },
  },
  {
    name: "detection_vs_eps_jpeg75",
    study: "paper",
    description: "Detection rate vs eps per judge, full ensemble attacked, after JPEG quality 75",
    build: (rows) => {
      requireChannel(rows, "jpeg75");
      return detectionVsEpsFigure(rows, { channel: "jpeg75" });
    },
  },
  {
    name: "transfer",
    study: "paper",
    description: "Transfer matrix (source set x judge) at eps 8, iterative attacks, " +
      "identity and JPEG 75",
    build: (rows) =>
      transferHeatmapFigure(rows, {
        eps: transferEps(rows),
        // FGSM is one step: it says little about what transfers and would dilute the matrix.
        attacks: distinct(rows.map(attackLabel)).filter((a) => a !== "fgsm"),
      }),
  },
  {
    name: "quality_tradeoff",
    study: "paper",
    description: "PSNR and SSIM vs protection of the attacked detectors, Pareto front per attack",
    build: (rows) => qualityTradeoffFigure(rows, { channel: "identity" }),
  },
  {
    name: "channel_robustness",
    study: "paper",
    description: "Protection of the attacked detectors per channel, robust mode on and off",
    build: (rows) => channelRobustnessFigure(rows),
  },
  {
    name: "cross_family",
    study: "cross-family",
    description: "Leave one family out: detection rate of the neural family the attack never " +
      "saw, beside the attacked detectors and Haar, on the file and after JPEG 75",
    build: (rows) => crossFamilyFigure(rows),
  },
];
