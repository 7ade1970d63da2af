/**
 * Comparing protection settings photo by photo: the share of photos fully protected (the
 * headline), and each photo's quality against the budget it needed. Built from the rows
 * `deno task protect-eval` writes (one per photo), grouped by setting.
 */
import type { ProtectedPhotoRow } from "../evaluation/protect_set.ts";
import {
  axisNames,
  baseLayout,
  facetDomains,
  PALETTE,
  panelTitle,
  type PlotlyFigure,
} from "./figure.ts";

/** One setting's numbers. */
export interface SettingOutcome {
  /** Setting label (e.g. the attack). */
  label: string;
  /** Photos judged. */
  photos: number;
  /** Photos fully protected. */
  protected: number;
}

/** Per setting: photos and photos fully protected, in the order given. */
export function protectionOutcomes(runs: Record<string, ProtectedPhotoRow[]>): SettingOutcome[] {
  return Object.entries(runs).map(([label, rows]) => ({
    label,
    photos: rows.length,
    protected: rows.filter((r) => r.fully_protected).length,
  }));
}

/**
 * Two panels: bars of the share of photos fully protected per setting (counts on the bars),
 * and per photo SSIM outside the badge against the budget it got (hollow markers: not fully
 * protected at the ceiling).
 */
export function protectionComparisonFigure(
  runs: Record<string, ProtectedPhotoRow[]>,
): PlotlyFigure {
  const labels = Object.keys(runs);
  if (labels.length === 0) throw new RangeError("no settings to compare");
  const outcomes = protectionOutcomes(runs);
  const domains = facetDomains(2, 2, { x: 0.1, y: 0 });
  const [bars, scatter] = [axisNames(0), axisNames(1)];
  const data: Record<string, unknown>[] = [{
    type: "bar",
    x: outcomes.map((o) => o.label),
    y: outcomes.map((o) => o.protected / o.photos),
    text: outcomes.map((o) => `${o.protected} of ${o.photos}`),
    textposition: "outside",
    marker: { color: outcomes.map((_, i) => PALETTE[i % PALETTE.length]) },
    xaxis: bars.x,
    yaxis: bars.y,
    showlegend: false,
    hovertemplate: "%{x}: %{text} photos fully protected<extra></extra>",
  }];
  labels.forEach((label, i) => {
    const rows = runs[label];
    data.push({
      type: "scatter",
      mode: "markers",
      name: label,
      x: rows.map((r) => r.budget.used),
      y: rows.map((r) => r.ssim),
      text: rows.map((r) => r.photo.split("/").pop()),
      marker: {
        color: PALETTE[i % PALETTE.length],
        symbol: rows.map((r) => r.fully_protected ? "circle" : "circle-open"),
        size: 8,
      },
      xaxis: scatter.x,
      yaxis: scatter.y,
      hovertemplate: "%{text}<br>eps %{x}, SSIM %{y:.3f}<extra>" + label + "</extra>",
    });
  });
  return {
    data,
    layout: {
      ...baseLayout(
        "Protection settings, photo by photo",
        900,
        480,
        `${outcomes.map((o) => `${o.label}: ${o.protected} of ${o.photos}`).join(", ")} ` +
          "photos with no face left for any attacked detector",
      ),
      annotations: [
        panelTitle("photos fully protected (file and JPEG q75)", domains[0]),
        panelTitle("SSIM outside the badge vs budget used", domains[1]),
      ],
      [bars.xKey]: { domain: domains[0].x, anchor: bars.y },
      [bars.yKey]: { domain: domains[0].y, anchor: bars.x, range: [0, 1.1], tickformat: ".0%" },
      [scatter.xKey]: {
        domain: domains[1].x,
        anchor: scatter.y,
        title: { text: "budget used (L-inf grey levels)" },
      },
      [scatter.yKey]: { domain: domains[1].y, anchor: scatter.x, title: { text: "SSIM" } },
      legend: { orientation: "h", y: -0.2 },
    },
  };
}
