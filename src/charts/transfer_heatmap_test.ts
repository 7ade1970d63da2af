import assert from "node:assert/strict";
import { fixtureRow } from "./fixture_rows.ts";
import type { ResultRow } from "./result_rows.ts";
import { transferHeatmapFigure, transferMatrices } from "./transfer_heatmap.ts";

const BACK = "blazeface-back";
const FRONT = "blazeface-front";

function rows(): ResultRow[] {
  const out: ResultRow[] = [];
  const cases: [string[], string, string, number][] = [
    // source, target, channel, matched of 4
    [[BACK], BACK, "identity", 0],
    [[BACK], "haar", "identity", 4],
    [[BACK], BACK, "jpeg75", 2],
    [[BACK], "haar", "jpeg75", 4],
    [[BACK, FRONT], BACK, "identity", 1],
    [[BACK, FRONT], "haar", "identity", 3],
    [[BACK, FRONT], BACK, "jpeg75", 3],
    [[BACK, FRONT], "haar", "jpeg75", 4],
  ];
  for (const [source, target, channel, matched] of cases) {
    out.push(fixtureRow({ source, target, channel, matched, clean_faces: 4, eps: 8, steps: 20 }));
    // Fewer steps and a smaller eps must not enter the default matrix.
    out.push(fixtureRow({ source, target, channel, matched: 4, clean_faces: 4, eps: 8, steps: 5 }));
    out.push(
      fixtureRow({ source, target, channel, matched: 4, clean_faces: 4, eps: 4, steps: 20 }),
    );
  }
  // An fgsm row that an attack filter removes.
  out.push(
    fixtureRow({ attack: "fgsm", source: [BACK], target: BACK, matched: 4, eps: 8, steps: 20 }),
  );
  return out;
}

Deno.test("transferMatrices: pooled rates at the largest eps and step count, per channel", () => {
  const selection = transferMatrices(rows(), { attacks: ["pgd"] });
  assert.equal(selection.eps, 8);
  assert.equal(selection.steps, 20);
  assert.deepEqual(selection.attacks, ["pgd"]);
  assert.deepEqual(selection.matrices.map((m) => m.channel), ["identity", "jpeg75"]);
  const [identity, jpeg] = selection.matrices;
  assert.deepEqual(identity.sources, [BACK, `${BACK}+${FRONT}`]);
  assert.deepEqual(identity.targets, [BACK, "haar"]);
  assert.deepEqual(identity.rates, [[0, 1], [0.25, 0.75]]);
  assert.deepEqual(jpeg.rates, [[0.5, 1], [0.75, 1]]);
  assert.deepEqual(identity.attacked, [[true, false], [true, false]]);
});

Deno.test("transferMatrices: every attack pooled by default (fgsm included)", () => {
  const identity = transferMatrices(rows()).matrices[0];
  assert.deepEqual(identity.rates[0], [(0 + 4) / 8, 1]);
});

Deno.test("transferHeatmapFigure: a heatmap per channel, attacked cells outlined", () => {
  const figure = transferHeatmapFigure(rows(), { attacks: ["pgd"], channels: ["jpeg75"] });
  assert.equal(figure.data.length, 1);
  const heatmap = figure.data[0] as Record<string, unknown>;
  assert.equal(heatmap.type, "heatmap");
  assert.deepEqual(heatmap.z, [[0.5, 1], [0.75, 1]]);
  assert.deepEqual(heatmap.x, [BACK, "haar"]);
  assert.equal(heatmap.zmin, 0);
  assert.equal(heatmap.zmax, 1);
  const shapes = figure.layout.shapes as Record<string, number>[];
  assert.equal(shapes.length, 2); // blazeface-back judged after attacks including it
  assert.deepEqual([shapes[1].x0, shapes[1].x1, shapes[1].y0, shapes[1].y1], [-0.5, 0.5, 0.5, 1.5]);
});
