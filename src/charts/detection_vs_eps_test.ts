import assert from "node:assert/strict";
import { detectionVsEpsFigure, detectionVsEpsSeries } from "./detection_vs_eps.ts";
import { fixtureRow } from "./fixture_rows.ts";
import type { ResultRow } from "./result_rows.ts";

const ENSEMBLE = ["blazeface-back", "blazeface-front"];

/** Two images, pgd with and without robust mode, eps 4 and 8, steps 5 and 10, two judges. */
function rows(): ResultRow[] {
  const out: ResultRow[] = [];
  for (const robust of [false, true]) {
    for (const eps of [4, 8]) {
      for (const steps of [5, 10]) {
        for (const target of ["blazeface-back", "haar"]) {
          // Image a: 4 faces, found fewer the larger eps and the more steps (robust: one more hidden).
          const hidden = (eps === 8 ? 2 : 1) + (steps === 10 ? 1 : 0) + (robust ? 1 : 0);
          out.push(
            fixtureRow({
              image: "a.jpg",
              robust,
              eps,
              steps,
              target,
              source: ENSEMBLE,
              clean_faces: 4,
              matched: target === "haar" ? 4 : 4 - hidden,
            }),
            fixtureRow({
              image: "b.jpg",
              robust,
              eps,
              steps,
              target,
              source: ENSEMBLE,
              clean_faces: 2,
              matched: target === "haar" ? 2 : 0,
            }),
          );
        }
      }
    }
  }
  // A single-detector source and another channel: must not enter the default chart.
  out.push(fixtureRow({ source: ["blazeface-back"], matched: 4, clean_faces: 4 }));
  out.push(fixtureRow({ source: ENSEMBLE, channel: "jpeg75", matched: 4, clean_faces: 4 }));
  return out;
}

Deno.test("detectionVsEpsSeries: pooled rates per attack, steps and judge for the ensemble", () => {
  const chart = detectionVsEpsSeries(rows());
  assert.equal(chart.source, "blazeface-back+blazeface-front");
  assert.equal(chart.channel, "identity");
  assert.deepEqual(chart.targets, ["blazeface-back", "haar"]);
  assert.equal(chart.series.length, 2 * 2 * 2); // judges x attack labels x step counts
  const pgd10 = chart.series.find((s) =>
    s.attack === "pgd" && s.steps === 10 && s.target === "blazeface-back"
  )!;
  assert.deepEqual(pgd10.points.map((p) => p.eps), [4, 8]);
  // eps 4, 10 steps: image a finds 4 - 2 = 2 of 4, image b 0 of 2: pooled 2/6.
  assert.equal(pgd10.points[0].rate, 2 / 6);
  // eps 8: image a 4 - 3 = 1 of 4: pooled 1/6.
  assert.equal(pgd10.points[1].rate, 1 / 6);
  assert.equal(pgd10.points[0].images, 2);
  const robust5 = chart.series.find((s) =>
    s.attack === "pgd+robust" && s.steps === 5 && s.target === "blazeface-back"
  )!;
  assert.deepEqual(robust5.points.map((p) => p.rate), [2 / 6, 1 / 6]);
  const haar = chart.series.filter((s) => s.target === "haar");
  assert.ok(haar.every((s) => s.points.every((p) => p.rate === 1 && p.se === 0)));
});

Deno.test("detectionVsEpsFigure: one panel per judge, a trace per line, legend once", () => {
  const figure = detectionVsEpsFigure(rows(), { channel: "identity" });
  assert.equal(figure.data.length, 8);
  const first = figure.data[0] as Record<string, unknown>;
  assert.equal(first.name, "pgd, 5 steps");
  assert.equal(first.xaxis, "x");
  assert.deepEqual(first.x, [4, 8]);
  assert.deepEqual(first.y, [3 / 6, 2 / 6]);
  const errors = (first.error_y as { array: number[] }).array;
  assert.equal(errors.length, 2);
  assert.ok(errors.every((e) => e > 0));
  const haarTraces = figure.data.filter((t) => t.xaxis === "x2");
  assert.equal(haarTraces.length, 4);
  assert.ok(haarTraces.every((t) => t.showlegend === false));
  assert.equal((figure.layout.xaxis2 as { type: string }).type, "log");
  const titles = (figure.layout.annotations as { text: string }[]).map((a) => a.text);
  assert.deepEqual(titles, ["<b>blazeface-back</b>", "<b>haar</b>"]);
  assert.match(JSON.stringify(figure.layout.title), /blazeface-back\+blazeface-front/);
});

Deno.test("detectionVsEpsSeries: a chosen source and channel", () => {
  const chart = detectionVsEpsSeries(rows(), { source: "blazeface-back", channel: "identity" });
  assert.equal(chart.series.length, 1);
  assert.deepEqual(chart.series[0].points.map((p) => [p.eps, p.rate, p.se]), [[8, 1, null]]);
});

Deno.test("detectionVsEpsFigure: rates above 1 (a face found only after the attack) stay in view", () => {
  const rows = [
    fixtureRow({ image: "a.jpg", eps: 4, clean_faces: 2, matched: 3 }),
    fixtureRow({ image: "a.jpg", eps: 8, clean_faces: 2, matched: 1 }),
  ];
  const figure = detectionVsEpsFigure(rows);
  assert.deepEqual(figure.data[0].y, [1.5, 0.5]);
  const range = (figure.layout.yaxis as { range: number[] }).range;
  assert.ok(range[1] >= 1.6, `y range ${range}`);
});
