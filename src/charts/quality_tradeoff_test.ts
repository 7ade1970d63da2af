import assert from "node:assert/strict";
import { fixtureRow } from "./fixture_rows.ts";
import {
  paretoFront,
  qualityTradeoffFigure,
  representativePoints,
  type TradeoffPoint,
  tradeoffPoints,
} from "./quality_tradeoff.ts";

function point(attack: string, protection: number, psnr: number, ssim = 0.9): TradeoffPoint {
  return {
    attack,
    eps: 8,
    steps: 10,
    source: "s",
    protection,
    psnr_db: psnr,
    ssim_rgb: ssim,
    images: 1,
  };
}

Deno.test("paretoFront keeps the points no other beats on both axes", () => {
  const points = [
    point("pgd", 0.2, 45),
    point("pgd", 0.5, 40),
    point("pgd", 0.4, 38), // beaten by (0.5, 40)
    point("pgd", 0.9, 30),
    point("pgd", 0.9, 28), // same protection, lower quality
    point("pgd", 0.1, 44), // beaten by (0.2, 45)
  ];
  const front = paretoFront(points, "psnr_db");
  assert.deepEqual(front.map((p) => [p.protection, p.psnr_db]), [[0.2, 45], [0.5, 40], [0.9, 30]]);
  assert.deepEqual(representativePoints(points).map((p) => [p.protection, p.psnr_db]), [[0.9, 30]]);
});

Deno.test("tradeoffPoints: protection against the attacked detectors, quality averaged by image", () => {
  const source = ["blazeface-back"];
  const rows = [
    fixtureRow({ image: "a.jpg", source, target: "blazeface-back", matched: 1, clean_faces: 4 }),
    fixtureRow({ image: "b.jpg", source, target: "blazeface-back", matched: 0, clean_faces: 4 }),
    fixtureRow({ image: "a.jpg", source, target: "haar", matched: 4, clean_faces: 4 }),
    fixtureRow({ image: "a.jpg", source, target: "blazeface-back", psnr_db: 30, eps: 16 }),
  ].map((r) => r.image === "b.jpg" ? { ...r, psnr_db: 44, ssim_rgb: 0.99 } : r);
  const points = tradeoffPoints(rows);
  assert.equal(points.length, 2);
  const eps8 = points.find((p) => p.eps === 8)!;
  assert.equal(eps8.protection, 1 - 1 / 8);
  assert.equal(eps8.psnr_db, 42); // (40 + 44) / 2
  assert.equal(eps8.ssim_rgb, (0.95 + 0.99) / 2);
  assert.equal(eps8.images, 2);
  const allJudges = tradeoffPoints(rows, { judges: "all" }).find((p) => p.eps === 8)!;
  assert.equal(allJudges.protection, 1 - 5 / 12);
});

Deno.test("qualityTradeoffFigure: points and a front per attack in PSNR and SSIM panels", () => {
  const rows = [
    fixtureRow({ attack: "pgd", eps: 4, matched: 2, psnr_db: 45, ssim_rgb: 0.99 }),
    fixtureRow({ attack: "pgd", eps: 8, matched: 0, psnr_db: 40, ssim_rgb: 0.97 }),
    fixtureRow({ attack: "fgsm", eps: 8, matched: 3, psnr_db: 38, ssim_rgb: 0.9 }),
  ];
  const figure = qualityTradeoffFigure(rows);
  assert.equal(figure.data.length, 2 /* panels */ * 2 /* attacks */ * 2 /* points, front */);
  const pgdFront = figure.data.find((t) => t.name === "pgd front" && t.xaxis === "x")!;
  assert.deepEqual(pgdFront.x, [0.5, 1]);
  assert.deepEqual(pgdFront.y, [45, 40]);
  const ssimPoints = figure.data.find((t) => t.name === "pgd" && t.xaxis === "x2")!;
  assert.deepEqual(ssimPoints.y, [0.99, 0.97]);
  assert.equal(ssimPoints.showlegend, false);
});
