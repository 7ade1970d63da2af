import assert from "node:assert/strict";
import { launchChromium } from "../browser/chromium.ts";
import type { PlotlyFigure } from "./figure.ts";
import { figureHtml, scriptSafeJson } from "./figure_html.ts";
import { plotlyBundle } from "./plotly_bundle.ts";

function figure(title: string): PlotlyFigure {
  return {
    data: [{ type: "scatter", x: [1, 2, 3], y: [3, 1, 2], name: "</script><b>x</b>" }],
    layout: { title: { text: title }, width: 400, height: 300 },
  };
}

Deno.test("scriptSafeJson cannot close the script element it sits in", () => {
  const json = scriptSafeJson({ a: "</script><script>alert(1)</script>", b: "\u2028" });
  assert.ok(!json.includes("</"));
  assert.deepEqual(JSON.parse(json), { a: "</script><script>alert(1)</script>", b: "\u2028" });
  assert.throws(() => figureHtml(figure("t"), { id: "bad id" }), RangeError);
});

Deno.test({
  name: "figureHtml draws offline in Chromium, also where RequireJS's define exists",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const library = await plotlyBundle();
    // Classic Notebook loads RequireJS: an AMD `define` must not swallow the library.
    const requireJs = "<script>window.define = function () {}; window.define.amd = {};</script>";
    const html = requireJs +
      figureHtml(figure("first"), { id: "f1", library }) +
      figureHtml(figure("second"), { id: "f2" });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      await page.setContent(`<!doctype html><html><body>${html}</body></html>`);
      await page.waitForSelector("#f2 .main-svg", { timeout: 30_000 });
      const drawn = await page.evaluate(() => {
        // deno-lint-ignore no-explicit-any
        const doc = (globalThis as any).document;
        return ["f1", "f2"].map((id) => ({
          svgs: doc.querySelectorAll(`#${id} .main-svg`).length,
          title: doc.querySelector(`#${id} .gtitle`)?.textContent,
          points: doc.querySelectorAll(`#${id} .scatterlayer .trace path.js-line`).length,
        }));
      });
      assert.deepEqual(drawn.map((d) => d.title), ["first", "second"]);
      assert.ok(drawn.every((d) => d.svgs >= 1 && d.points === 1), JSON.stringify(drawn));
      assert.deepEqual(requests.filter((url) => !url.startsWith("about:")), []);

      // Without the library anywhere, the output says what to do instead of failing silently.
      const bare = await browser.newPage();
      await bare.setContent(figureHtml(figure("alone"), { id: "f3" }));
      assert.match(await bare.locator("#f3").innerText(), /plotly\.js is not loaded/);
    } finally {
      await browser.close();
    }
  },
});
