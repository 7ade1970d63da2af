import assert from "node:assert/strict";
import { channelProtection, channelRobustnessFigure } from "./channel_robustness.ts";
import { fixtureRow } from "./fixture_rows.ts";
import type { ResultRow } from "./result_rows.ts";

function rows(): ResultRow[] {
  const out: ResultRow[] = [];
  const channels = ["identity", "jpeg75", "social"];
  channels.forEach((channel, c) => {
    for (const robust of [false, true]) {
      for (const image of ["a.jpg", "b.jpg"]) {
        // Plain PGD loses a face per harsher channel; robust mode keeps all hidden on image a.
        const matched = robust && image === "a.jpg" ? 0 : c;
        out.push(fixtureRow({ image, channel, robust, matched, clean_faces: 4 }));
        out.push(fixtureRow({ image, channel, robust, target: "haar", matched: 4 }));
      }
    }
  });
  return out;
}

Deno.test("channelProtection: one bar per attack label and channel, attacked judges only", () => {
  const chart = channelProtection(rows());
  assert.deepEqual(chart.channels, ["identity", "jpeg75", "social"]);
  assert.equal(chart.eps, 8);
  assert.equal(chart.source, "blazeface-back");
  const plain = chart.bars.filter((b) => b.attack === "pgd").map((b) => b.protection);
  assert.deepEqual(plain, [1, 1 - 2 / 8, 1 - 4 / 8]);
  const robust = chart.bars.filter((b) => b.attack === "pgd+robust").map((b) => b.protection);
  assert.deepEqual(robust, [1, 1 - 1 / 8, 1 - 2 / 8]);
  assert.equal(chart.bars[1].se, 0); // both images lost the same face
  // Robust, jpeg75: image a 0 of 4, image b 1 of 4: residuals -0.5, 0.5 -> s.e. 0.125.
  assert.equal(chart.bars[4].se, 0.125);
  const withHaar = channelProtection(rows(), { judges: "all" });
  assert.equal(withHaar.bars[0].protection, 1 - 16 / 32);
});

Deno.test("channelRobustnessFigure: grouped bars with error bars, legend shown", () => {
  const figure = channelRobustnessFigure(rows(), { channels: ["social", "identity"] });
  assert.equal(figure.layout.barmode, "group");
  assert.equal(figure.layout.showlegend, true);
  assert.deepEqual(figure.data.map((t) => t.name), ["pgd", "pgd+robust"]);
  assert.deepEqual(figure.data[0].x, ["social", "identity"]);
  assert.deepEqual(figure.data[0].y, [0.5, 1]);
  assert.equal((figure.data[1].error_y as { array: number[] }).array.length, 2);
});

Deno.test("channelRobustnessFigure: negative protection stays in view", () => {
  const figure = channelRobustnessFigure([fixtureRow({ clean_faces: 2, matched: 3 })]);
  assert.deepEqual(figure.data[0].y, [-0.5]);
  assert.ok((figure.layout.yaxis as { range: number[] }).range[0] <= -0.5);
});
