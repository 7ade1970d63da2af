/**
 * Protection per channel (re-encoding, resizing, the social-media preset), one bar per
 * attack, so robust mode ("pgd+robust") stands next to the same attack without it ("pgd").
 * Answers "what survives being uploaded?".
 */
import { attackLabel } from "../experiments/attack_label.ts";
import { baseLayout, PALETTE, type PlotlyFigure } from "./figure.ts";
import { describeJudges, isSelectedJudge, type JudgeSelection } from "./judges.ts";
import { pooledRateOverImages } from "./rate_estimate.ts";
import { distinct, ensembleSource, type ResultRow, sourceLabel } from "./result_rows.ts";

/** Which rows enter the chart. */
export interface ChannelRobustnessOptions {
  /** Judges whose detections count (default "attacked"). */
  judges?: JudgeSelection;
  /** Budget (default: the largest eps in the rows). */
  eps?: number;
  /** Step checkpoint (default: the largest). */
  steps?: number;
  /** Source set label (default: the largest set). */
  source?: string;
  /** Channels in display order (default: order of first appearance). */
  channels?: string[];
}

/** One bar. */
export interface ChannelBar {
  /** Attack label. */
  attack: string;
  /** Channel. */
  channel: string;
  /** 1 - pooled detection rate. */
  protection: number;
  /** Standard error over images (null with one image). */
  se: number | null;
  /** Images with a clean face. */
  images: number;
}

/** The bars and what was selected. */
export interface ChannelRobustness {
  /** Budget. */
  eps: number;
  /** Step checkpoint. */
  steps: number;
  /** Source set. */
  source: string;
  /** Channels, in order. */
  channels: string[];
  /** Every bar. */
  bars: ChannelBar[];
}

/** Computes protection per attack and channel. */
export function channelProtection(
  rows: readonly ResultRow[],
  options: ChannelRobustnessOptions = {},
): ChannelRobustness {
  const eps = options.eps ?? Math.max(...rows.map((r) => r.eps));
  const source = options.source ?? ensembleSource(rows);
  const atSetting = rows.filter((r) => r.eps === eps && sourceLabel(r.source) === source);
  const steps = options.steps ?? Math.max(...atSetting.map((r) => r.steps));
  const judges = options.judges ?? "attacked";
  const selected = atSetting.filter((r) => r.steps === steps && isSelectedJudge(r, judges));
  const channels = options.channels ?? distinct(selected.map((r) => r.channel));
  const bars: ChannelBar[] = [];
  for (const attack of distinct(selected.map(attackLabel))) {
    for (const channel of channels) {
      const estimate = pooledRateOverImages(
        selected.filter((r) => attackLabel(r) === attack && r.channel === channel),
      );
      if (estimate) {
        bars.push({
          attack,
          channel,
          protection: 1 - estimate.rate,
          se: estimate.se,
          images: estimate.images,
        });
      }
    }
  }
  return { eps, steps, source, channels, bars };
}

/** The Plotly figure: grouped bars, x = channel, one colour per attack label. */
export function channelRobustnessFigure(
  rows: readonly ResultRow[],
  options: ChannelRobustnessOptions = {},
): PlotlyFigure {
  const chart = channelProtection(rows, options);
  const attacks = distinct(chart.bars.map((b) => b.attack));
  const layout = baseLayout(
    "Protection after each channel (re-encoding, resizing, upload presets)",
    Math.max(760, 140 * chart.channels.length + 260),
    500,
    `attacked: ${chart.source}, eps ${chart.eps}, ${chart.steps} steps<br>protection against ` +
      `${describeJudges(options.judges ?? "attacked")}, pooled over images, bars ± 1 s.e.`,
  );
  layout.showlegend = true;
  layout.barmode = "group";
  layout.xaxis = { title: { text: "channel" }, type: "category", linecolor: "#444" };
  layout.yaxis = {
    title: { text: "protection rate" },
    // Protection is negative where a judge finds more faces than on the clean photo.
    range: [Math.min(0, ...chart.bars.map((b) => b.protection - (b.se ?? 0))) - 0.05, 1.05],
    gridcolor: "#e5e5e5",
    linecolor: "#444",
  };
  layout.legend = { orientation: "h", x: 0, y: -0.2, yanchor: "top" };
  layout.margin = { l: 70, r: 30, t: 130, b: 120 };
  const data = attacks.map((attack, a) => {
    const bars = chart.channels.flatMap((channel) =>
      chart.bars.filter((b) => b.attack === attack && b.channel === channel)
    );
    return {
      type: "bar",
      name: attack,
      x: bars.map((b) => b.channel),
      y: bars.map((b) => b.protection),
      error_y: { type: "data", array: bars.map((b) => b.se ?? 0), visible: true },
      customdata: bars.map((b) => b.images),
      hovertemplate: `${attack}<br>%{x}: %{y:.2f} (%{customdata} images)<extra></extra>`,
      marker: { color: PALETTE[a % PALETTE.length] },
    };
  });
  return { data, layout };
}
