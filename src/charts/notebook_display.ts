/**
 * Showing figures and photos in a Deno Jupyter notebook. A figure goes out as the Plotly
 * MIME type (`application/vnd.plotly.v1+json`, drawn by JupyterLab's Plotly renderer
 * where installed) plus a `text/html` fallback that draws it in classic Notebook and
 * plain JupyterLab; the first figure of a kernel session carries the plotly.js library
 * inline (as Plotly's own offline mode does), later ones reuse it. Outside a notebook
 * (a script, a test) it prints a one-line summary instead.
 */
import type { PlotlyFigure } from "./figure.ts";
import { figureHtml } from "./figure_html.ts";
import { type ImagePanel, imagePanelsFigure } from "./image_panels.ts";
import { plotlyBundle } from "./plotly_bundle.ts";

/** The Plotly MIME type Jupyter front ends recognise. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

let libraryShown = false;
let figureCount = 0;

/** Whether this code runs inside Deno's Jupyter kernel. */
export function inJupyterKernel(): boolean {
  try {
    return typeof Deno.jupyter?.display === "function";
  } catch {
    // Outside `deno jupyter`, reading Deno.jupyter throws.
    return false;
  }
}

/** The title of a figure as plain text. */
export function figureTitle(figure: PlotlyFigure): string {
  const title = figure.layout.title as { text?: string } | string | undefined;
  const text = typeof title === "string" ? title : title?.text ?? "";
  return text.replace(/<br>/g, " — ").replace(/<[^>]+>/g, "");
}

/** The MIME bundle of a figure (the library inlined when `withLibrary`). */
export async function figureMimeBundle(
  figure: PlotlyFigure,
  withLibrary: boolean,
): Promise<Record<string, unknown>> {
  figureCount++;
  const id = `equalais-plot-${crypto.randomUUID().slice(0, 8)}-${figureCount}`;
  return {
    [PLOTLY_MIME]: figure,
    "text/html": figureHtml(figure, { id, library: withLibrary ? await plotlyBundle() : "" }),
    "text/plain": `[figure] ${figureTitle(figure)}`,
  };
}

/** Displays a Plotly figure in the notebook (or prints its title outside one). */
export async function showFigure(figure: PlotlyFigure): Promise<void> {
  if (!inJupyterKernel()) {
    console.log(`[figure] ${figureTitle(figure)} (${figure.data.length} traces)`);
    return;
  }
  const bundle = await figureMimeBundle(figure, !libraryShown);
  await Deno.jupyter.display(bundle, { raw: true });
  libraryShown = true;
  await settle(JSON.stringify(bundle).length);
}

/**
 * Waits a moment after an output. Deno's kernel (2.9) can report a cell finished before a
 * display message has gone out, and headless runners (nbclient) then drop the output:
 * measured here, 2 of 12 multi-megabyte outputs lost without a wait (none of 20 with
 * 100 ms), and a small one at the end of a long cell.
 */
function settle(bytes: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50 + bytes / 10_000));
}

/** Displays photos side by side, with detector boxes drawn, as a Plotly figure. */
export async function showImages(
  panels: readonly ImagePanel[],
  options: { title?: string; columns?: number; panelWidth?: number } = {},
): Promise<void> {
  await showFigure(imagePanelsFigure(panels, options));
}

/** Displays a Markdown string (tables of results) in the notebook, or prints it. */
export async function showMarkdown(markdown: string): Promise<void> {
  if (!inJupyterKernel()) {
    console.log(markdown);
    return;
  }
  await Deno.jupyter.display({ "text/markdown": markdown, "text/plain": markdown }, { raw: true });
  await settle(markdown.length * 2);
}
