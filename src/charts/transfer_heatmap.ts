/**
 * The transfer matrix as heatmaps: attacked source sets (rows) against judging
 * detectors (columns), one panel per channel, pooled detection rate in each cell. Cells
 * where the judge was among the attacked detectors are outlined; every other cell is a
 * transfer claim.
 */
import { attackLabel } from "../experiments/attack_label.ts";
import {
  axisNames,
  baseLayout,
  facetDomains,
  panelTitle,
  type PlotlyFigure,
  type PlotlyTrace,
} from "./figure.ts";
import { pooledRateOverImages } from "./rate_estimate.ts";
import { distinct, type ResultRow, sourceLabel } from "./result_rows.ts";

/** Which rows enter the matrix. */
export interface TransferOptions {
  /** Channels, one panel each (default: identity and jpeg75 where present, else all). */
  channels?: string[];
  /** Budget (default: the largest eps in the rows). */
  eps?: number;
  /** Attack labels to pool (default: all). */
  attacks?: string[];
}

/** The matrix of one channel. */
export interface TransferMatrix {
  /** Channel. */
  channel: string;
  /** Source set labels (rows), smallest sets first. */
  sources: string[];
  /** Judges (columns). */
  targets: string[];
  /** Pooled detection rate per [source][target]; null where no clean face was found. */
  rates: (number | null)[][];
  /** Whether the judge was attacked, per [source][target]. */
  attacked: boolean[][];
}

/** What the figure pooled. */
export interface TransferSelection {
  /** Budget used. */
  eps: number;
  /** Step count used (the largest). */
  steps: number;
  /** Attack labels pooled. */
  attacks: string[];
  /** One matrix per channel. */
  matrices: TransferMatrix[];
}

/** Computes the transfer matrices at one eps and the largest step count. */
export function transferMatrices(
  rows: readonly ResultRow[],
  options: TransferOptions = {},
): TransferSelection {
  const allChannels = distinct(rows.map((r) => r.channel));
  const preferred = ["identity", "jpeg75"].filter((c) => allChannels.includes(c));
  const channels = options.channels ?? (preferred.length ? preferred : allChannels);
  const eps = options.eps ?? Math.max(...rows.map((r) => r.eps));
  const attacks = options.attacks ?? distinct(rows.map(attackLabel));
  const atEps = rows.filter((r) => r.eps === eps && attacks.includes(attackLabel(r)));
  const steps = Math.max(...atEps.map((r) => r.steps));
  const selected = atEps.filter((r) => r.steps === steps);
  const bySize = new Map(selected.map((r) => [sourceLabel(r.source), r.source.length]));
  const sources = [...bySize.keys()].sort((a, b) =>
    bySize.get(a)! - bySize.get(b)! || (a < b ? -1 : 1)
  );
  const targets = distinct(selected.map((r) => r.target));
  const matrices = channels.map((channel) => {
    const inChannel = selected.filter((r) => r.channel === channel);
    return {
      channel,
      sources,
      targets,
      rates: sources.map((source) =>
        targets.map((target) =>
          pooledRateOverImages(
            inChannel.filter((r) => sourceLabel(r.source) === source && r.target === target),
          )?.rate ?? null
        )
      ),
      attacked: sources.map((source) => targets.map((t) => source.split("+").includes(t))),
    };
  });
  return { eps, steps, attacks: distinct(selected.map(attackLabel)), matrices };
}

/** The Plotly figure: one heatmap per channel, 0 (hidden) to 1 (always found). */
export function transferHeatmapFigure(
  rows: readonly ResultRow[],
  options: TransferOptions = {},
): PlotlyFigure {
  const selection = transferMatrices(rows, options);
  const count = Math.max(1, selection.matrices.length);
  const domains = facetDomains(count, count, { x: 0.1, y: 0 });
  const targets = selection.matrices[0]?.targets ?? [];
  const sources = selection.matrices[0]?.sources ?? [];
  const layout = baseLayout(
    "Transfer: detection rate of each judge (columns) after attacking a source set (rows)",
    Math.max(700, count * (110 + 70 * targets.length) + 260),
    Math.max(380, 60 * sources.length + 260),
    `eps ${selection.eps}, ${selection.steps} steps, attacks ${selection.attacks.join(", ")} ` +
      "pooled over images; outlined: the judge was attacked",
  );
  layout.margin = { l: 330, r: 90, t: 90, b: 150 };
  const data: PlotlyTrace[] = [];
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  selection.matrices.forEach((matrix, i) => {
    const axes = axisNames(i);
    layout[axes.xKey] = {
      domain: domains[i].x,
      anchor: axes.y,
      tickangle: -40,
      automargin: true,
      title: { text: "judge", standoff: 12 },
    };
    layout[axes.yKey] = {
      domain: domains[i].y,
      anchor: axes.x,
      autorange: "reversed",
      showticklabels: i === 0,
      title: { text: i === 0 ? "attacked source set" : "" },
    };
    annotations.push(panelTitle(`channel ${matrix.channel}`, domains[i]));
    data.push({
      type: "heatmap",
      name: matrix.channel,
      xaxis: axes.x,
      yaxis: axes.y,
      x: matrix.targets,
      y: matrix.sources,
      z: matrix.rates,
      zmin: 0,
      zmax: 1,
      colorscale: "Viridis",
      showscale: i === 0,
      colorbar: { title: { text: "detection rate" }, len: 0.9 },
      texttemplate: "%{z:.2f}",
      hovertemplate: "attacked %{y}<br>judge %{x}: %{z:.2f}<extra>" + matrix.channel +
        "</extra>",
    });
    matrix.attacked.forEach((cells, row) =>
      cells.forEach((attacked, col) => {
        if (!attacked) return;
        shapes.push({
          type: "rect",
          xref: axes.x,
          yref: axes.y,
          x0: col - 0.5,
          x1: col + 0.5,
          y0: row - 0.5,
          y1: row + 0.5,
          line: { color: "#ff2d55", width: 2 },
        });
      })
    );
  });
  layout.shapes = shapes;
  layout.annotations = annotations;
  return { data, layout };
}
