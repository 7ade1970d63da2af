import assert from "node:assert/strict";
import type { PlotlyFigure } from "./figure.ts";
import {
  figureMimeBundle,
  figureTitle,
  inJupyterKernel,
  PLOTLY_MIME,
  showFigure,
} from "./notebook_display.ts";

const FIGURE: PlotlyFigure = {
  data: [{ type: "bar", x: ["a"], y: [1] }],
  layout: { title: { text: "Bars<br><span>detail</span>" }, width: 300, height: 200 },
};

Deno.test("figureMimeBundle: Plotly JSON, HTML fallback (library only when asked), text", async () => {
  const first = await figureMimeBundle(FIGURE, true);
  assert.deepEqual(first[PLOTLY_MIME], FIGURE);
  const html = first["text/html"] as string;
  assert.ok(html.length > 1_000_000, "the first figure carries plotly.js inline");
  assert.match(html, /Plotly\.newPlot/);
  assert.equal(first["text/plain"], "[figure] Bars — detail");
  const later = await figureMimeBundle(FIGURE, false);
  assert.ok((later["text/html"] as string).length < 10_000);
  assert.notEqual(
    html.match(/id="([^"]+)"/)![1],
    (later["text/html"] as string).match(/id="([^"]+)"/)![1],
    "each output gets its own element id",
  );
});

Deno.test("outside a kernel, showFigure prints the figure's title", async () => {
  assert.equal(inJupyterKernel(), false);
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => printed.push(args.join(" "));
  try {
    await showFigure(FIGURE);
  } finally {
    console.log = log;
  }
  assert.deepEqual(printed, ["[figure] Bars — detail (1 traces)"]);
  assert.equal(figureTitle({ ...FIGURE, layout: { ...FIGURE.layout, title: "plain" } }), "plain");
});
