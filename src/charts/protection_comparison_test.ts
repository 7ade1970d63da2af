/** The protection comparison counts photos, not faces, and marks unprotected photos. */
import assert from "node:assert/strict";
import type { ProtectedPhotoRow } from "../evaluation/protect_set.ts";
import { protectionComparisonFigure, protectionOutcomes } from "./protection_comparison.ts";

function row(photo: string, fullyProtected: boolean, eps: number, ssim: number): ProtectedPhotoRow {
  return {
    photo,
    width: 256,
    height: 256,
    fully_protected: fullyProtected,
    attacked: { a: { clean: 2, output: fullyProtected ? 0 : 1, after_jpeg75: 0 } },
    judges: {},
    budget: { used: eps, ceiling: 10, tried: [] },
    steps_run: 40,
    seconds: 5,
    psnr_db: 40,
    ssim,
    ciede2000_mean: 1,
    ciede2000_p99: 3,
    stego_after_jpeg75: true,
    notes: [],
  };
}

const RUNS = {
  first: [row("x/a.jpg", true, 3, 0.99), row("x/b.jpg", false, 10, 0.95)],
  second: [row("x/a.jpg", true, 4.5, 0.98), row("x/b.jpg", true, 10, 0.94)],
};

Deno.test("outcomes count photos fully protected per setting, in order", () => {
  assert.deepEqual(protectionOutcomes(RUNS), [
    { label: "first", photos: 2, protected: 1 },
    { label: "second", photos: 2, protected: 2 },
  ]);
});

Deno.test("the figure has one bar trace and one scatter per setting, hollow where unprotected", () => {
  const figure = protectionComparisonFigure(RUNS);
  assert.equal(figure.data.length, 3);
  assert.deepEqual(figure.data[0].y, [0.5, 1]);
  assert.deepEqual(figure.data[0].text, ["1 of 2", "2 of 2"]);
  const first = figure.data[1] as { x: number[]; y: number[]; marker: { symbol: string[] } };
  assert.deepEqual(first.x, [3, 10]);
  assert.deepEqual(first.y, [0.99, 0.95]);
  assert.deepEqual(first.marker.symbol, ["circle", "circle-open"]);
  assert.throws(() => protectionComparisonFigure({}), /no settings/);
});
