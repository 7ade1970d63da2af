import assert from "node:assert/strict";
import { fixtureRow } from "./fixture_rows.ts";
import { meanOverImages, pooledRateOverImages } from "./rate_estimate.ts";

Deno.test("pooledRateOverImages pools faces and gives the ratio estimator's s.e. over images", () => {
  const rows = [
    fixtureRow({ image: "a.jpg", matched: 2, clean_faces: 4 }),
    fixtureRow({ image: "b.jpg", matched: 1, clean_faces: 1, target: "x" }),
    fixtureRow({ image: "b.jpg", matched: 2, clean_faces: 2, target: "y" }),
    fixtureRow({ image: "c.jpg", matched: 0, clean_faces: 0 }), // no face: not counted
  ];
  const estimate = pooledRateOverImages(rows)!;
  assert.equal(estimate.rate, 5 / 7);
  assert.equal(estimate.images, 2);
  // Residuals -6/7 and 6/7: sqrt((72/49) / 2) / (7/2) = 12/49.
  assert.ok(Math.abs(estimate.se! - 12 / 49) < 1e-12, `se ${estimate.se}`);
});

Deno.test("pooledRateOverImages: one image has no s.e., no clean face gives null", () => {
  assert.deepEqual(pooledRateOverImages([fixtureRow({ matched: 1, clean_faces: 4 })]), {
    rate: 0.25,
    se: null,
    images: 1,
  });
  assert.equal(pooledRateOverImages([fixtureRow({ matched: 0, clean_faces: 0 })]), null);
  assert.equal(pooledRateOverImages([]), null);
});

Deno.test("meanOverImages averages each image's rows first", () => {
  const rows = [
    fixtureRow({ image: "a.jpg", psnr_db: 30 }),
    fixtureRow({ image: "a.jpg", psnr_db: 34 }),
    fixtureRow({ image: "b.jpg", psnr_db: 40 }),
  ];
  const result = meanOverImages(rows, (r) => r.psnr_db)!;
  assert.equal(result.mean, 36); // (32 + 40) / 2, not (30 + 34 + 40) / 3
  assert.equal(result.images, 2);
  assert.ok(Math.abs(result.se! - 4) < 1e-12); // sd of {32, 40} = 5.657, / sqrt(2) = 4
});
