/**
 * Photos side by side as one Plotly figure (before/after, thumbnails of representative
 * points), each with the detector boxes drawn on it, so the same display and export path
 * serves pictures and charts.
 */
import { Buffer } from "node:buffer";
import { axisNames, baseLayout, facetDomains, panelTitle, type PlotlyFigure } from "./figure.ts";

/** A box to draw: [x, y, width, height] in the photo's pixels, with a colour and a label. */
export interface PanelBox {
  /** [x, y, width, height] in pixels. */
  box: readonly [number, number, number, number];
  /** Outline colour (default lime). */
  color?: string;
}

/** One photo panel. */
export interface ImagePanel {
  /** Title above the photo. */
  title: string;
  /** Encoded photo (PNG or JPEG bytes). */
  bytes: Uint8Array;
  /** "png" (default) or "jpeg". */
  format?: "png" | "jpeg";
  /** Photo width in pixels. */
  width: number;
  /** Photo height in pixels. */
  height: number;
  /** Boxes to draw. */
  boxes?: readonly PanelBox[];
}

/** A data: URL of encoded image bytes. */
export function dataUrl(bytes: Uint8Array, format: "png" | "jpeg" = "png"): string {
  return `data:image/${format};base64,${Buffer.from(bytes).toString("base64")}`;
}

/** The Plotly figure: panels in `columns` columns, boxes as rectangles over the photos. */
export function imagePanelsFigure(
  panels: readonly ImagePanel[],
  options: { title?: string; columns?: number; panelWidth?: number } = {},
): PlotlyFigure {
  if (panels.length === 0) throw new RangeError("imagePanelsFigure needs at least one panel");
  const columns = Math.min(options.columns ?? panels.length, panels.length);
  const panelWidth = options.panelWidth ?? 420;
  const aspect = Math.max(...panels.map((p) => p.height / p.width));
  const rows = Math.ceil(panels.length / columns);
  const domains = facetDomains(panels.length, columns, { x: 0.02, y: 0.08 });
  const layout = baseLayout(
    options.title ?? "",
    columns * panelWidth + 40,
    Math.round(rows * panelWidth * aspect * 1.12) + 110,
  );
  layout.margin = { l: 20, r: 20, t: options.title ? 80 : 40, b: 20 };
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  const data = panels.map((panel, i) => {
    const axes = axisNames(i);
    const hidden = { showticklabels: false, showgrid: false, zeroline: false, ticks: "" };
    layout[axes.xKey] = { ...hidden, domain: domains[i].x, anchor: axes.y };
    layout[axes.yKey] = {
      ...hidden,
      domain: domains[i].y,
      anchor: axes.x,
      scaleanchor: axes.x,
    };
    annotations.push(panelTitle(panel.title, domains[i]));
    for (const { box, color } of panel.boxes ?? []) {
      shapes.push({
        type: "rect",
        xref: axes.x,
        yref: axes.y,
        x0: box[0],
        y0: box[1],
        x1: box[0] + box[2],
        y1: box[1] + box[3],
        line: { color: color ?? "#39ff14", width: 2 },
      });
    }
    return {
      type: "image",
      name: panel.title,
      xaxis: axes.x,
      yaxis: axes.y,
      source: dataUrl(panel.bytes, panel.format ?? "png"),
      hoverinfo: "skip",
    };
  });
  layout.shapes = shapes;
  layout.annotations = annotations;
  return { data, layout };
}
