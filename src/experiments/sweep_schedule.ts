/**
 * The order a sweep runs its units in. Units are ordered by image: `batch` images at a
 * time and, within them, the units that differ only in their image (same attack, budget,
 * sources, robust mode and seed) form one group to attack together. With a batch of 1 this
 * is the grid's own order, one unit at a time; larger batches put photos of one size next
 * to each other first.
 */
import sharp from "sharp";
import type { WorkUnit } from "./sweep_config.ts";

/**
 * The images reordered so that those of one (scaled) size follow each other, sizes in
 * order of first appearance. Sizes come from the file headers; an estimate is enough,
 * since a batch is split by the decoded size anyway.
 */
export async function groupBySize(images: string[], maxSide?: number): Promise<string[]> {
  const bySize = new Map<string, string[]>();
  for (const path of images) {
    let key = "?";
    try {
      const { width = 0, height = 0, orientation = 1 } = await sharp(path).metadata();
      const [w, h] = orientation >= 5 ? [height, width] : [width, height];
      const scale = maxSide && Math.max(w, h) > maxSide ? maxSide / Math.max(w, h) : 1;
      key = `${Math.round(w * scale)}x${Math.round(h * scale)}`;
    } catch {
      // Unreadable here: judged (and reported) like any other image later.
    }
    bySize.set(key, [...bySize.get(key) ?? [], path]);
  }
  return [...bySize.values()].flat();
}

/** The units grouped by everything but their image, groups in order of first unit. */
export function groupBySettings(units: WorkUnit[]): WorkUnit[][] {
  const groups = new Map<string, WorkUnit[]>();
  for (const unit of units) {
    const key = JSON.stringify([unit.attack, unit.eps, unit.source, unit.robust, unit.seed]);
    groups.set(key, [...groups.get(key) ?? [], unit]);
  }
  return [...groups.values()];
}

/**
 * The units to run, as chunks of `batch` images, each chunk a list of settings groups
 * (see the file's comment).
 */
export async function scheduleUnits(
  todo: WorkUnit[],
  batch: number,
  maxSide?: number,
): Promise<WorkUnit[][][]> {
  const distinct = [...new Set(todo.map((u) => u.image))];
  const images = batch > 1 ? await groupBySize(distinct, maxSide) : distinct;
  const chunks: WorkUnit[][][] = [];
  for (let first = 0; first < images.length; first += batch) {
    const chunk = new Set(images.slice(first, first + batch));
    chunks.push(groupBySettings(todo.filter((u) => chunk.has(u.image))));
  }
  return chunks;
}
