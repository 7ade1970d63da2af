/**
 * Detection rate against the budget eps: one panel per judging detector, one line per
 * attack and step count, error bars over images. Answers "how much budget does each
 * attack need, and do more steps help?".
 */
import { attackLabel } from "../experiments/attack_label.ts";
import {
  axisNames,
  baseLayout,
  DASHES,
  facetDomains,
  PALETTE,
  panelTitle,
  type PlotlyFigure,
  type PlotlyTrace,
} from "./figure.ts";
import { pooledRateOverImages, type RateEstimate } from "./rate_estimate.ts";
import {
  distinct,
  distinctSorted,
  ensembleSource,
  type ResultRow,
  sourceLabel,
} from "./result_rows.ts";

/** Which rows enter the chart. */
export interface DetectionVsEpsOptions {
  /** Channel the judges saw (default "identity", else the rows' first). */
  channel?: string;
  /** Source set label, e.g. "blazeface-back+blazeface-front" (default: the largest set). */
  source?: string;
  /** Judges to show, in order (default: every target in the rows). */
  targets?: string[];
}

/** One line: an attack at one step count, judged by one detector. */
export interface EpsSeries {
  /** Attack label ("pgd", "pgd+robust"). */
  attack: string;
  /** Step checkpoint. */
  steps: number;
  /** Judging detector. */
  target: string;
  /** One point per eps, ascending. */
  points: ({ eps: number } & RateEstimate)[];
}

/** The lines of the chart and what was selected. */
export interface DetectionVsEps {
  /** Source set shown. */
  source: string;
  /** Channel shown. */
  channel: string;
  /** Judges, one panel each. */
  targets: string[];
  /** Every line. */
  series: EpsSeries[];
}

/** Computes the chart's lines from measured rows. */
export function detectionVsEpsSeries(
  rows: readonly ResultRow[],
  options: DetectionVsEpsOptions = {},
): DetectionVsEps {
  const channels = distinct(rows.map((r) => r.channel));
  const channel = options.channel ?? (channels.includes("identity") ? "identity" : channels[0]);
  const source = options.source ?? ensembleSource(rows);
  const selected = rows.filter((r) => r.channel === channel && sourceLabel(r.source) === source);
  const targets = options.targets ?? distinct(selected.map((r) => r.target));
  const series: EpsSeries[] = [];
  for (const target of targets) {
    const forTarget = selected.filter((r) => r.target === target);
    for (const attack of distinct(forTarget.map(attackLabel))) {
      const forAttack = forTarget.filter((r) => attackLabel(r) === attack);
      for (const steps of distinctSorted(forAttack.map((r) => r.steps))) {
        const line = forAttack.filter((r) => r.steps === steps);
        const points = distinctSorted(line.map((r) => r.eps)).flatMap((eps) => {
          const estimate = pooledRateOverImages(line.filter((r) => r.eps === eps));
          return estimate ? [{ eps, ...estimate }] : [];
        });
        if (points.length) series.push({ attack, steps, target, points });
      }
    }
  }
  return { source, channel, targets, series };
}

/** The Plotly figure: a panel per judge, x = eps (log scale), y = detection rate. */
export function detectionVsEpsFigure(
  rows: readonly ResultRow[],
  options: DetectionVsEpsOptions = {},
): PlotlyFigure {
  const chart = detectionVsEpsSeries(rows, options);
  const attacks = distinct(chart.series.map((s) => s.attack));
  const steps = distinctSorted(chart.series.map((s) => s.steps)).reverse();
  const epsTicks = distinctSorted(chart.series.flatMap((s) => s.points.map((p) => p.eps)));
  // A judge can find a reference face on the protected photo that it missed on the clean
  // one: rates above 1 happen and must stay visible.
  const top = Math.max(
    1,
    ...chart.series.flatMap((s) => s.points.map((p) => p.rate + (p.se ?? 0))),
  );
  const columns = Math.min(4, Math.max(1, chart.targets.length));
  const domains = facetDomains(Math.max(1, chart.targets.length), columns);
  const panelRows = Math.ceil(domains.length / columns);
  const layout = baseLayout(
    `Detection rate vs eps, per judge`,
    Math.max(640, 290 * columns + 260),
    260 * panelRows + 160,
    `attacked: ${chart.source}; channel ${chart.channel}; pooled over images, bars ± 1 s.e.`,
  );
  layout.legend = { x: 1.02, y: 1, xanchor: "left", yanchor: "top" };
  layout.margin = { l: 70, r: 190, t: 100, b: 70 };
  const annotations: Record<string, unknown>[] = [];
  const data: PlotlyTrace[] = [];
  chart.targets.forEach((target, i) => {
    const axes = axisNames(i);
    layout[axes.xKey] = {
      domain: domains[i].x,
      anchor: axes.y,
      type: "log",
      tickvals: epsTicks,
      ticktext: epsTicks.map(String),
      title: { text: i >= chart.targets.length - columns ? "eps (grey levels, L∞)" : "" },
      showgrid: true,
      gridcolor: "#e5e5e5",
      linecolor: "#444",
      zeroline: false,
    };
    layout[axes.yKey] = {
      domain: domains[i].y,
      anchor: axes.x,
      range: [-0.05, top + 0.1],
      title: { text: i % columns === 0 ? "detection rate" : "" },
      gridcolor: "#e5e5e5",
      linecolor: "#444",
      zeroline: false,
    };
    annotations.push(panelTitle(target, domains[i]));
    for (const line of chart.series.filter((s) => s.target === target)) {
      const name = `${line.attack}, ${line.steps} steps`;
      data.push({
        type: "scatter",
        mode: "lines+markers",
        name,
        legendgroup: name,
        showlegend: i === 0,
        xaxis: axes.x,
        yaxis: axes.y,
        x: line.points.map((p) => p.eps),
        y: line.points.map((p) => p.rate),
        error_y: {
          type: "data",
          array: line.points.map((p) => p.se ?? 0),
          visible: true,
          thickness: 1,
          width: 3,
        },
        customdata: line.points.map((p) => p.images),
        hovertemplate:
          `${name}<br>eps %{x}: %{y:.2f} (%{customdata} images)<extra>${target}</extra>`,
        line: {
          color: PALETTE[attacks.indexOf(line.attack) % PALETTE.length],
          dash: DASHES[steps.indexOf(line.steps) % DASHES.length],
          width: 2,
        },
        marker: { size: 6 },
      });
    }
  });
  layout.annotations = annotations;
  return { data, layout };
}
