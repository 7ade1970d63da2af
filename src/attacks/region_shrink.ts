/**
 * Region search after the boundary search: the protected change cut back region by region.
 * The boundary search scales the whole change by one number, so it stops where the part that
 * hides the face needs all of it; the rest of the frame (hair, collar, background) may need
 * much less. The photo is split into a grid of blocks, tried coarse to fine (a quadtree): at
 * each level the regions whose change costs the most visibility are tried first, each
 * removed, else halved, and a cut is kept when the real check (quantised file, JPEG copy)
 * still finds no face. A greedy coordinate search over block scales, with the same oracle
 * as the boundary search.
 */

/** Blocks per side of the finest grid; coarser levels group them 2 x 2, then 4 x 4. */
export const REGION_GRID = 8;
/** Region sides tried, in blocks of the finest grid, coarse to fine. */
export const REGION_LEVELS: readonly number[] = [4, 2, 1];
/** What a region's change is multiplied by, tried in this order until one still hides every face. */
export const REGION_CUTS: readonly number[] = [0, 0.5];

/**
 * Tries region cuts, at most `checks` checks in all. `costs` holds each block's visibility
 * cost at scale 1 (REGION_GRID squared of them, row by row). Level by level (REGION_LEVELS,
 * coarse to fine), the regions still carrying change are tried costliest first: the region's
 * scales multiplied by each of REGION_CUTS in turn, the first that `isProtected` accepts kept.
 * Returns every block's scale (1 where no cut was kept). `isProtected` runs the real check on
 * the change with those block scales.
 */
export async function regionScales(
  costs: readonly number[],
  isProtected: (scales: readonly number[]) => Promise<boolean>,
  checks: number,
  signal?: AbortSignal,
): Promise<number[]> {
  if (!(Number.isInteger(checks) && checks >= 0)) {
    throw new RangeError(`region checks must be a whole number >= 0, got ${checks}`);
  }
  const grid = REGION_GRID;
  if (costs.length !== grid * grid) {
    throw new RangeError(`region costs must be ${grid * grid}, got ${costs.length}`);
  }
  const scales = costs.map(() => 1);
  let used = 0;
  for (const side of REGION_LEVELS) {
    const regions: number[][] = [];
    for (let row = 0; row < grid; row += side) {
      for (let column = 0; column < grid; column += side) {
        const blocks: number[] = [];
        for (let y = row; y < Math.min(grid, row + side); y++) {
          for (let x = column; x < Math.min(grid, column + side); x++) blocks.push(y * grid + x);
        }
        regions.push(blocks);
      }
    }
    // Cost now: a block's cost grows with the square of its scale.
    const costNow = (blocks: number[]) =>
      blocks.reduce((sum, b) => sum + costs[b] * scales[b] ** 2, 0);
    const order = regions.map((blocks) => ({ blocks, cost: costNow(blocks) }))
      .filter(({ cost }) => cost > 0)
      .sort((a, b) => b.cost - a.cost || a.blocks[0] - b.blocks[0]);
    for (const { blocks } of order) {
      for (const cut of REGION_CUTS) {
        if (used >= checks || signal?.aborted) return scales;
        const trial = scales.slice();
        for (const b of blocks) trial[b] = scales[b] * cut;
        used++;
        if (await isProtected(trial)) {
          for (const b of blocks) scales[b] = trial[b];
          break;
        }
      }
    }
  }
  return scales;
}

/**
 * A map [1, height, width, 1] of a variable's cells: each cell carries the scale of the grid
 * block its centre falls in (`scales` row by row, REGION_GRID per row).
 */
export function regionMap(scales: readonly number[], height: number, width: number): Float32Array {
  const grid = REGION_GRID;
  const map = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    const row = Math.min(grid - 1, Math.floor(((y + 0.5) / height) * grid));
    for (let x = 0; x < width; x++) {
      const column = Math.min(grid - 1, Math.floor(((x + 0.5) / width) * grid));
      map[y * width + x] = scales[row * grid + column];
    }
  }
  return map;
}
