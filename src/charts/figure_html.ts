/**
 * A Plotly figure as self-contained HTML: a div and a script that plots into it, with the
 * plotly.js library inlined when asked. This is the `text/html` that classic Notebook and
 * JupyterLab render when no Plotly renderer extension claims the Plotly MIME type; it
 * needs no network.
 */
import type { PlotlyFigure } from "./figure.ts";

/** JSON safe to place inside a <script> element (no "</script>", no "<!--"). */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

/**
 * HTML that draws `figure`. With `library`, the plotly.js source is inlined first (it sets
 * `window.Plotly`); without, the figure waits for an earlier output to have loaded it and
 * says so in the page when none has.
 */
export function figureHtml(
  figure: PlotlyFigure,
  options: { id: string; library?: string },
): string {
  if (!/^[A-Za-z][\w-]*$/.test(options.id)) throw new RangeError(`bad element id ${options.id}`);
  const library = options.library
    // Notebook front ends run this as a plain script; `module` and `define` are hidden so
    // the bundle registers window.Plotly even where RequireJS (classic Notebook) is present.
    ? `<script>(function (module, exports, define) {\n${
      options.library.replaceAll("</script", "<\\/script")
    }\n}).call(window, undefined, undefined, undefined);</script>\n`
    : "";
  const height = figure.layout.height;
  return `${library}<div id="${options.id}" style="width:100%;min-height:${height}px"></div>
<script>(function () {
  var target = document.getElementById(${JSON.stringify(options.id)});
  var figure = ${scriptSafeJson(figure)};
  if (typeof window.Plotly === "undefined") {
    target.textContent = "plotly.js is not loaded: run the notebook's first chart cell again.";
    return;
  }
  window.Plotly.newPlot(target, figure.data, figure.layout, { responsive: true });
})();</script>`;
}
