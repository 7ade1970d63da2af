/**
 * Plotly figures as plain data: `{data, layout}` objects that notebooks display, the
 * figure export renders in headless Chromium, and tests inspect. Nothing here draws.
 */

/** One Plotly trace (scatter, heatmap, bar, image), as Plotly's JSON schema describes it. */
export type PlotlyTrace = Record<string, unknown>;

/** A Plotly layout object. */
export type PlotlyLayout = Record<string, unknown>;

/** A complete Plotly figure, ready for `Plotly.newPlot(div, data, layout)`. */
export interface PlotlyFigure {
  /** The traces. */
  data: PlotlyTrace[];
  /** The layout; `width` and `height` are the figure's size in CSS pixels. */
  layout: PlotlyLayout & { width: number; height: number };
}

/** Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. */
export const PALETTE: readonly string[] = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#F0E442",
  "#000000",
];

/** Line dashes for a second grouping (step counts), most steps solid. */
export const DASHES: readonly string[] = ["solid", "dash", "dot", "dashdot", "longdash"];

/** Position of one panel of a grid, in paper coordinates (0-1). */
export interface FacetDomain {
  /** Horizontal extent. */
  x: [number, number];
  /** Vertical extent. */
  y: [number, number];
}

/**
 * Domains of `count` panels laid out row by row in `columns` columns, top row first,
 * with gaps (fractions of the figure) between them.
 */
export function facetDomains(
  count: number,
  columns: number,
  gap: { x: number; y: number } = { x: 0.06, y: 0.12 },
): FacetDomain[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be >= 1: ${count}`);
  const cols = Math.min(columns, count);
  const rows = Math.ceil(count / cols);
  const width = (1 - gap.x * (cols - 1)) / cols;
  const height = (1 - gap.y * (rows - 1)) / rows;
  return Array.from({ length: count }, (_, i) => {
    const col = i % cols;
    const row = Math.floor(i / cols);
    const x0 = col * (width + gap.x);
    const y1 = 1 - row * (height + gap.y);
    return { x: [round(x0), round(x0 + width)], y: [round(y1 - height), round(y1)] };
  });
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Plotly's axis names for panel i (0-based): "x", "x2", ...; layout keys "xaxis", "xaxis2". */
export function axisNames(i: number): { x: string; y: string; xKey: string; yKey: string } {
  const suffix = i === 0 ? "" : String(i + 1);
  return { x: `x${suffix}`, y: `y${suffix}`, xKey: `xaxis${suffix}`, yKey: `yaxis${suffix}` };
}

/** A panel title placed above a domain, as a layout annotation. */
export function panelTitle(text: string, domain: FacetDomain): Record<string, unknown> {
  return {
    text: `<b>${text}</b>`,
    x: (domain.x[0] + domain.x[1]) / 2,
    y: domain.y[1],
    xref: "paper",
    yref: "paper",
    xanchor: "center",
    yanchor: "bottom",
    showarrow: false,
    font: { size: 13 },
  };
}

/**
 * The layout fields every figure shares: white background, readable font, a title and a
 * smaller second line saying what was pooled.
 */
export function baseLayout(
  title: string,
  width: number,
  height: number,
  subtitle = "",
): PlotlyFigure["layout"] {
  const text = subtitle ? `${title}<br><span style="font-size:12px">${subtitle}</span>` : title;
  return {
    title: { text, x: 0.01, xanchor: "left", font: { size: 16 } },
    width,
    height,
    font: { family: "DejaVu Sans, Arial, sans-serif", size: 12 },
    paper_bgcolor: "white",
    plot_bgcolor: "white",
    margin: { l: 70, r: 30, t: 90, b: 70 },
  };
}
