/**
 * Image quality against protection: every configuration (attack, eps, steps, source set)
 * is a point with its mean PSNR or SSIM and its protection rate (1 - pooled detection
 * rate), and each attack's Pareto front joins the points no other configuration of that
 * attack beats on both.
 */
import { attackLabel } from "../experiments/attack_label.ts";
import {
  axisNames,
  baseLayout,
  facetDomains,
  PALETTE,
  panelTitle,
  type PlotlyFigure,
  type PlotlyTrace,
} from "./figure.ts";
import { describeJudges, isSelectedJudge, type JudgeSelection } from "./judges.ts";
import { meanOverImages, pooledRateOverImages } from "./rate_estimate.ts";
import { distinct, type ResultRow, sourceLabel } from "./result_rows.ts";

/** Which rows enter the chart. */
export interface TradeoffOptions {
  /** Channel the judges saw (default "identity", else the rows' first). */
  channel?: string;
  /** Judges whose detections count (default "attacked"). */
  judges?: JudgeSelection;
}

/** One configuration's point. */
export interface TradeoffPoint {
  /** Attack label. */
  attack: string;
  /** Budget. */
  eps: number;
  /** Step checkpoint. */
  steps: number;
  /** Source set label. */
  source: string;
  /** 1 - pooled detection rate of the selected judges. */
  protection: number;
  /** Mean PSNR over images, dB. */
  psnr_db: number;
  /** Mean RGB SSIM over images. */
  ssim_rgb: number;
  /** Images with a clean face. */
  images: number;
}

/** The quality measures a front can be drawn for. */
export type QualityMeasure = "psnr_db" | "ssim_rgb";

/** Computes one point per configuration. */
export function tradeoffPoints(
  rows: readonly ResultRow[],
  options: TradeoffOptions = {},
): TradeoffPoint[] {
  const channels = distinct(rows.map((r) => r.channel));
  const channel = options.channel ?? (channels.includes("identity") ? "identity" : channels[0]);
  const judges = options.judges ?? "attacked";
  const groups = new Map<string, ResultRow[]>();
  for (const row of rows) {
    if (row.channel !== channel || !isSelectedJudge(row, judges)) continue;
    const key = JSON.stringify([attackLabel(row), row.eps, row.steps, sourceLabel(row.source)]);
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const points: TradeoffPoint[] = [];
  for (const [key, group] of groups) {
    const [attack, eps, steps, source] = JSON.parse(key);
    const rate = pooledRateOverImages(group);
    if (!rate) continue;
    points.push({
      attack,
      eps,
      steps,
      source,
      protection: 1 - rate.rate,
      psnr_db: meanOverImages(group, (r) => r.psnr_db)!.mean,
      ssim_rgb: meanOverImages(group, (r) => r.ssim_rgb)!.mean,
      images: rate.images,
    });
  }
  return points;
}

/**
 * The points no other point beats on both protection and quality (ties kept once),
 * ordered by protection, ascending.
 */
export function paretoFront(
  points: readonly TradeoffPoint[],
  quality: QualityMeasure,
): TradeoffPoint[] {
  const sorted = [...points].sort((a, b) => b.protection - a.protection || b[quality] - a[quality]);
  const front: TradeoffPoint[] = [];
  let bestQuality = -Infinity;
  for (const point of sorted) {
    if (point[quality] > bestQuality) {
      front.push(point);
      bestQuality = point[quality];
    }
  }
  return front.reverse();
}

/**
 * One point per attack worth looking at: the most protective point of its PSNR front
 * (the best quality among those protecting that much).
 */
export function representativePoints(points: readonly TradeoffPoint[]): TradeoffPoint[] {
  return distinct(points.map((p) => p.attack)).map((attack) =>
    paretoFront(points.filter((p) => p.attack === attack), "psnr_db").at(-1)!
  );
}

/** The Plotly figure: PSNR and SSIM panels against protection, fronts as lines. */
export function qualityTradeoffFigure(
  rows: readonly ResultRow[],
  options: TradeoffOptions = {},
): PlotlyFigure {
  const channels = distinct(rows.map((r) => r.channel));
  const channel = options.channel ?? (channels.includes("identity") ? "identity" : channels[0]);
  const points = tradeoffPoints(rows, { ...options, channel });
  const attacks = distinct(points.map((p) => p.attack));
  const domains = facetDomains(2, 2, { x: 0.1, y: 0 });
  const layout = baseLayout(
    "Image quality vs protection, with each attack's Pareto front",
    1100,
    540,
    `protection against ${describeJudges(options.judges ?? "attacked")}, channel ${channel}; ` +
      "one point per attack, eps, steps and source set, averaged over images",
  );
  layout.legend = { orientation: "h", x: 0, y: -0.16, yanchor: "top" };
  layout.margin = { l: 70, r: 30, t: 110, b: 120 };
  const panels: { measure: QualityMeasure; title: string }[] = [
    { measure: "psnr_db", title: "PSNR (dB)" },
    { measure: "ssim_rgb", title: "SSIM" },
  ];
  const data: PlotlyTrace[] = [];
  panels.forEach(({ measure, title }, i) => {
    const axes = axisNames(i);
    layout[axes.xKey] = {
      domain: domains[i].x,
      anchor: axes.y,
      range: [Math.min(0, ...points.map((p) => p.protection)) - 0.05, 1.05],
      title: { text: "protection rate" },
      gridcolor: "#e5e5e5",
      linecolor: "#444",
      zeroline: false,
    };
    layout[axes.yKey] = {
      domain: domains[i].y,
      anchor: axes.x,
      title: { text: title },
      gridcolor: "#e5e5e5",
      linecolor: "#444",
      zeroline: false,
    };
    attacks.forEach((attack, a) => {
      const color = PALETTE[a % PALETTE.length];
      const ofAttack = points.filter((p) => p.attack === attack);
      const front = paretoFront(ofAttack, measure);
      data.push({
        type: "scatter",
        mode: "markers",
        name: attack,
        legendgroup: attack,
        showlegend: i === 0,
        xaxis: axes.x,
        yaxis: axes.y,
        x: ofAttack.map((p) => p.protection),
        y: ofAttack.map((p) => p[measure]),
        text: ofAttack.map((p) => `eps ${p.eps}, ${p.steps} steps, ${p.source}`),
        hovertemplate:
          `${attack}: %{text}<br>protection %{x:.2f}, ${title} %{y:.3f}<extra></extra>`,
        marker: { color, size: 7, opacity: 0.55 },
      }, {
        type: "scatter",
        mode: "lines+markers",
        name: `${attack} front`,
        legendgroup: attack,
        showlegend: false,
        xaxis: axes.x,
        yaxis: axes.y,
        x: front.map((p) => p.protection),
        y: front.map((p) => p[measure]),
        line: { color, width: 2 },
        marker: { color, size: 9, symbol: "diamond" },
        hoverinfo: "skip",
      });
    });
    layout.annotations = [
      ...(layout.annotations as unknown[] ?? []),
      panelTitle(`${title} vs protection`, domains[i]),
    ];
  });
  return { data, layout };
}
