/**
 * The region search's schedule, against checks whose answer is known: which blocks a face
 * needs is fixed, so what the search keeps and how many checks it spends follow from its
 * definition (quadrants, then 2 x 2 groups, then blocks of an 8 x 8 grid, costliest first,
 * each cut to 0, else to half).
 */
import assert from "node:assert/strict";
import {
  REGION_CUTS,
  REGION_GRID,
  REGION_LEVELS,
  regionMap,
  regionScales,
} from "./region_shrink.ts";

const BLOCKS = REGION_GRID * REGION_GRID;
// Row 2, column 5 of the 8 x 8 grid: in the top-right quadrant.
const FACE = 2 * REGION_GRID + 5;

/** Runs the search with uniform costs; returns its scales and the scale vectors it checked. */
async function search(
  isProtected: (scales: readonly number[]) => boolean,
  checks = 1000,
  costs: number[] = new Array(BLOCKS).fill(1),
) {
  const checked: number[][] = [];
  const scales = await regionScales(costs, (trial) => {
    checked.push(trial.slice());
    return Promise.resolve(isProtected(trial));
  }, checks);
  return { scales, checked };
}

Deno.test("the grid is 8 x 8, tried as quadrants, then 2 x 2 groups, then blocks, cut to 0 or half", () => {
  assert.equal(REGION_GRID, 8);
  assert.deepEqual(REGION_LEVELS, [4, 2, 1]);
  assert.deepEqual(REGION_CUTS, [0, 0.5]);
});

Deno.test("a face that needs one block whole: every other block's change is removed", async () => {
  const { scales, checked } = await search((s) => s[FACE] === 1);
  const expected = new Array(BLOCKS).fill(0);
  expected[FACE] = 1;
  assert.deepEqual(scales, expected);
  // At each of the three levels: three regions removed at the first check, the face's region
  // refused twice (0, then half).
  assert.equal(checked.length, 3 * (3 + 2));
});

Deno.test("a face that needs half of one block: its region is halved, then left", async () => {
  const { scales, checked } = await search((s) => s[FACE] >= 0.5);
  const expected = new Array(BLOCKS).fill(0);
  expected[FACE] = 0.5;
  assert.deepEqual(scales, expected);
  // Quadrants: three removed, the face's halved at its second check (5). 2 x 2 groups in that
  // quadrant: three removed, the face's refused at 0 and at a quarter (5). Blocks: likewise (5).
  assert.equal(checked.length, 15);
  assert.equal(checked[4].filter((s) => s === 0.5).length, 16, "the whole quadrant at half");
});

Deno.test("regions are tried costliest first, and nothing is tried once no change is left", async () => {
  // Quadrant costs: top-left 1, top-right 4, bottom-left 3, bottom-right 2 per block.
  const costs = Array.from({ length: BLOCKS }, (_, b) => {
    const top = Math.floor(b / REGION_GRID) < 4;
    const left = b % REGION_GRID < 4;
    return top ? (left ? 1 : 4) : (left ? 3 : 2);
  });
  const { scales, checked } = await search(() => true, 1000, costs);
  assert.deepEqual(scales, new Array(BLOCKS).fill(0));
  const removed = checked.map((trial, i) =>
    trial.findIndex((s, b) => s === 0 && (i === 0 || checked[i - 1][b] !== 0))
  );
  // The first block of the quadrant each check removed: top-right (block 4: row 0, column 4),
  // bottom-left (32), bottom-right (36), top-left (0).
  assert.deepEqual(removed, [4, 32, 36, 0]);
});

Deno.test("the search stops at the check limit and when aborted, and refuses bad input", async () => {
  const limited = await search(() => true, 2);
  assert.equal(limited.checked.length, 2);
  assert.equal(limited.scales.filter((s) => s === 0).length, 32, "two quadrants removed");
  assert.deepEqual((await search(() => true, 0)).scales, new Array(BLOCKS).fill(1));

  const controller = new AbortController();
  let calls = 0;
  await regionScales(
    new Array(BLOCKS).fill(1),
    () => {
      calls++;
      controller.abort();
      return Promise.resolve(true);
    },
    10,
    controller.signal,
  );
  assert.equal(calls, 1);
  await assert.rejects(
    () => regionScales(new Array(BLOCKS).fill(1), () => Promise.resolve(true), -1),
    /region checks must be a whole number >= 0, got -1/,
  );
  await assert.rejects(
    () => regionScales([1, 2, 3], () => Promise.resolve(true), 4),
    /region costs must be 64, got 3/,
  );
});

Deno.test("each cell of a variable takes the scale of the block its centre falls in", () => {
  const scales = Array.from({ length: BLOCKS }, (_, b) => b);
  // 4 rows: centres at 1/8, 3/8, 5/8, 7/8 of the height fall in grid rows 1, 3, 5, 7; 16
  // columns: two cells a grid column.
  const map = regionMap(scales, 4, 16);
  const expected = [1, 3, 5, 7].flatMap((row) =>
    Array.from({ length: 16 }, (_, x) => row * REGION_GRID + Math.floor(x / 2))
  );
  assert.deepEqual(Array.from(map), expected);
  // A variable smaller than the grid: one cell, the centre's block (row 4, column 4).
  assert.deepEqual(Array.from(regionMap(scales, 1, 1)), [4 * REGION_GRID + 4]);
});
