/**
 * Static export: renders Plotly figures in headless Chromium (Debian's chromium through
 * playwright-core, plotly.js loaded from node_modules into a blank page, no network) and
 * returns each as SVG text and PNG bytes, exactly as plotly.js itself draws them.
 */
import { Buffer } from "node:buffer";
import { launchChromium } from "../browser/chromium.ts";
import type { PlotlyFigure } from "./figure.ts";
import { PLOTLY_BUNDLE_PATH, plotlyBundle } from "./plotly_bundle.ts";

/** One exported figure. */
export interface ExportedFigure {
  /** SVG document text. */
  svg: string;
  /** PNG bytes (at `scale` times the figure's CSS size). */
  png: Uint8Array;
}

/** Renders figures to SVG and PNG; one browser for all of them. */
export async function exportFigures(
  figures: readonly PlotlyFigure[],
  options: { scale?: number } = {},
): Promise<ExportedFigure[]> {
  await plotlyBundle(); // a clear set-up error before a browser starts
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    // No request may leave the page: everything it needs is inlined.
    await page.route("**/*", (route) => route.abort());
    await page.setContent("<!doctype html><html><body><div id=plot></div></body></html>");
    await page.addScriptTag({ path: PLOTLY_BUNDLE_PATH });
    const exported: ExportedFigure[] = [];
    for (const figure of figures) {
      const urls = await page.evaluate(async ({ figure, scale }) => {
        // deno-lint-ignore no-explicit-any
        const Plotly = (globalThis as any).Plotly;
        // deno-lint-ignore no-explicit-any
        const div = (globalThis as any).document.getElementById("plot");
        await Plotly.newPlot(div, figure.data, figure.layout, { staticPlot: true });
        const size = { width: figure.layout.width, height: figure.layout.height };
        const svg = await Plotly.toImage(div, { format: "svg", ...size });
        const png = await Plotly.toImage(div, { format: "png", ...size, scale });
        Plotly.purge(div);
        return { svg, png };
      }, { figure, scale: options.scale ?? 2 });
      exported.push({ svg: decodeSvgUrl(urls.svg), png: decodePngUrl(urls.png) });
    }
    return exported;
  } finally {
    await browser.close();
  }
}

function decodeSvgUrl(url: string): string {
  const prefix = "data:image/svg+xml,";
  if (!url.startsWith(prefix)) throw new Error(`plotly.js returned no SVG (${url.slice(0, 40)})`);
  return decodeURIComponent(url.slice(prefix.length));
}

function decodePngUrl(url: string): Uint8Array {
  const prefix = "data:image/png;base64,";
  if (!url.startsWith(prefix)) throw new Error(`plotly.js returned no PNG (${url.slice(0, 40)})`);
  return new Uint8Array(Buffer.from(url.slice(prefix.length), "base64"));
}
