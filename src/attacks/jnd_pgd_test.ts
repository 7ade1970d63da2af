/**
 * jnd-pgd's texture budget against its definition, eps * clamp(std_window(luma) / reference,
 * floor, 1) with luma = 0.299 R + 0.587 G + 0.114 B, on a hand-made 5x12 photo of three
 * regions: flat grey, a red-only checkerboard and a grey checkerboard. In a 3x3 window of a
 * checkerboard with levels p and q, five pixels hold one level and four the other, so the
 * standard deviation is |p - q| * sqrt(20) / 9.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { jndPgd, textureBudget } from "./jnd_pgd.ts";
import { Perturbation } from "./perturbation.ts";
import { toyObjective } from "../testing/toy_objective.ts";

const H = 5;
const W = 12;

// Columns 0-3 flat 100; 4-7 red alternates 100/140 (green, blue 100); 8-11 grey 100/140.
function photo(): tf.Tensor4D {
  const data: number[] = [];
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const high = (r + c) % 2 === 0 ? 40 : 0;
      if (c < 4) data.push(100, 100, 100);
      else if (c < 8) data.push(100 + high, 100, 100);
      else data.push(100 + high, 100 + high, 100 + high);
    }
  }
  return tf.tensor4d(data, [1, H, W, 3]);
}

// Pixels whose 3x3 window lies inside one region, with the region's budget share:
// flat: std 0, so the floor 0.3; red checkerboard: luma steps by 0.299 * 40 = 11.96, std
// 11.96 * sqrt(20) / 9 = 5.9430, share 0.59430; grey checkerboard: std 40 * sqrt(20) / 9 =
// 19.876 > reference 10, so 1.
const REGIONS = [
  { name: "flat", columns: [1, 2], share: 0.3 },
  { name: "red checkerboard", columns: [5, 6], share: 0.5942972 },
  { name: "grey checkerboard", columns: [9, 10], share: 1 },
];

Deno.test("the texture budget gives flat regions the floor and textured ones more, as defined", async () => {
  await initBackend("wasm");
  const clean = photo();
  const budget = textureBudget(clean, 10, 0.3, 3);
  assert.deepEqual(budget.shape, [1, H, W, 1]);
  const values = budget.dataSync();
  for (const region of REGIONS) {
    for (let r = 1; r <= 3; r++) {
      for (const c of region.columns) {
        const value = values[r * W + c];
        assert.ok(
          Math.abs(value - region.share) < 1e-4,
          `${region.name} (${r}, ${c}): ${value}, expected ${region.share}`,
        );
      }
    }
  }
  for (const value of values) assert.ok(value >= 0.3 && value <= 1, `${value} outside [floor, 1]`);
  tf.dispose([clean, budget]);
});

Deno.test("jnd-pgd moves each pixel at most eps times its budget share", async () => {
  await initBackend("wasm");
  const clean = photo();
  // Every pixel's gradient is +1: descending pushes each one down to its own bound.
  const objective = toyObjective([1, H, W, 3], { weights: () => new Array(H * W * 3).fill(1) });
  const perturbation = new Perturbation(clean.shape);
  const result = await jndPgd(
    { clean, objective, perturbation },
    { eps: 8, steps: 10, stepSize: 2, seed: 3, reference: 10, floor: 0.3, window: 3 },
  );
  const before = clean.dataSync();
  const after = result.adversarial.dataSync();
  // The written photo is truncated to whole grey levels: 8 * 0.3 = 2.4 -> 2,
  // 8 * 0.5943 = 4.75 -> 4, 8 * 1 -> 8.
  const moved = [2, 4, 8];
  REGIONS.forEach((region, i) => {
    for (let r = 1; r <= 3; r++) {
      for (const c of region.columns) {
        for (let k = 0; k < 3; k++) {
          const index = (r * W + c) * 3 + k;
          assert.equal(before[index] - after[index], moved[i], `${region.name} (${r}, ${c}, ${k})`);
        }
      }
    }
  });
  tf.dispose([clean, result.adversarial]);
  perturbation.dispose();
});
