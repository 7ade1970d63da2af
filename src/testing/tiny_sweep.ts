/** A one-step FGSM sweep on small photos, for tests of the sweep command. */
import { encodeImage } from "../image/encode.ts";
import { readSample, resizeImage } from "./fixtures.ts";

/** Paths of the photos written by writeSweepPhotos. */
export interface SweepPhotos {
  /** sample1 at 192 px wide. */
  first: string;
  /** sample2 at 192 px wide: taller than `first`. */
  taller: string;
  /** sample2 cropped to `first`'s size: a different photo of the same size. */
  sameSize: string;
}

/** Writes three small PNG photos into `dir`. */
export async function writeSweepPhotos(dir: string): Promise<SweepPhotos> {
  const first = await resizeImage(await readSample(1), 192);
  const second = await resizeImage(await readSample(2), 192);
  const cropped = { ...first, data: second.data.subarray(0, first.data.length) };
  const paths = { first: `${dir}/a.png`, taller: `${dir}/b.png`, sameSize: `${dir}/c.png` };
  await Deno.writeFile(paths.first, await encodeImage(first, "png"));
  await Deno.writeFile(paths.taller, await encodeImage(second, "png"));
  await Deno.writeFile(paths.sameSize, await encodeImage(cropped, "png"));
  return paths;
}

/** Writes a config: FGSM, eps 8, one step, blazeface-front attacking and judging. */
export async function writeFgsmConfig(
  dir: string,
  name: string,
  images: string[],
): Promise<string> {
  const config = {
    name,
    images,
    attacks: [{ attack: "fgsm" }],
    eps: [8],
    steps: [1],
    sources: [["blazeface-front"]],
    robust: [false],
    judges: ["blazeface-front"],
    channels: ["identity"],
    seeds: [1],
  };
  const path = `${dir}/config.json`;
  await Deno.writeTextFile(path, JSON.stringify(config));
  return path;
}
