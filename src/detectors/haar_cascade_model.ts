/**
 * OpenCV's Haar cascade file read into plain arrays, so the cascade can be evaluated and
 * differentiated outside OpenCV (haar_windows.ts, haar_smooth.ts). Only what
 * `haarcascade_frontalface_default.xml` uses is accepted: a BOOST cascade of depth-one
 * trees (stumps) over upright HAAR features; anything else is refused by name rather than
 * misread.
 */

/** One rectangle of a Haar feature, in 24x24 window pixels, with its weight. */
export interface HaarRect {
  /** Left column. */
  x: number;
  /** Top row. */
  y: number;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Weight of the rectangle's pixel sum in the feature. */
  weight: number;
}

/** A depth-one tree: `left` when the normalised feature is below `threshold`, else `right`. */
export interface HaarStump {
  /** Index into HaarCascadeModel.features. */
  feature: number;
  /** Threshold on the variance-normalised feature value (float32, as OpenCV stores it). */
  threshold: number;
  /** Leaf value below the threshold (float32). */
  left: number;
  /** Leaf value at or above the threshold (float32). */
  right: number;
}

/** One boosted stage: a window passes when its stumps' leaves sum to at least `threshold`. */
export interface HaarStage {
  /** Stage threshold as OpenCV compares it: the file's value minus 1e-5, in float32. */
  threshold: number;
  /** The stage's stumps, in file order. */
  stumps: HaarStump[];
}

/** A parsed cascade. */
export interface HaarCascadeModel {
  /** Window width in pixels (24). */
  width: number;
  /** Window height in pixels (24). */
  height: number;
  /** The stages, first to last. */
  stages: HaarStage[];
  /** Every feature: its rectangles. */
  features: HaarRect[][];
}

// OpenCV subtracts this from every stage threshold when it loads a cascade (cascadedetect.cpp).
const THRESHOLD_EPS = Math.fround(1e-5);

function numbers(text: string, what: string): number[] {
  const values = text.trim().split(/\s+/).map(Number);
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`haar cascade: bad ${what}`);
  return values;
}

function tagValue(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1]?.trim();
}

/**
 * Reads an OpenCV cascade XML (the format `opencv_traincascade` writes) of upright Haar
 * stumps. Throws a one-line error naming what the file has that this reader does not take.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHaarCascade } from "./haar_cascade_model.ts";
 * const model = parseHaarCascade(await Deno.readTextFile("models/haarcascade_frontalface_default.xml"));
 * assert.equal(model.stages.length, 25);
 * assert.equal(model.features.length, 2913);
 * assert.deepEqual([model.width, model.height], [24, 24]);
 * ```
 */
export function parseHaarCascade(xml: string): HaarCascadeModel {
  if (tagValue(xml, "stageType") !== "BOOST") {
    throw new Error("haar cascade: only BOOST cascades are read");
  }
  if (tagValue(xml, "featureType") !== "HAAR") {
    throw new Error("haar cascade: only HAAR features are read (not LBP or HOG)");
  }
  if (xml.includes("<tilted>1")) {
    throw new Error("haar cascade: tilted (45 degree) features are not read");
  }
  const width = Number(tagValue(xml, "width"));
  const height = Number(tagValue(xml, "height"));
  if (!(width > 2 && height > 2)) throw new Error("haar cascade: bad window size");
  const stagesStart = xml.indexOf("<stages>");
  const featuresStart = xml.indexOf("<features>");
  if (stagesStart < 0 || featuresStart < stagesStart) {
    throw new Error("haar cascade: no <stages> followed by <features>");
  }
  const stagesXml = xml.slice(stagesStart, featuresStart);
  const stages: HaarStage[] = [];
  const stagePattern =
    /<maxWeakCount>(\d+)<\/maxWeakCount>\s*<stageThreshold>([^<]+)<\/stageThreshold>\s*<weakClassifiers>([\s\S]*?)<\/weakClassifiers>/g;
  for (const [, count, threshold, body] of stagesXml.matchAll(stagePattern)) {
    const nodes = [...body.matchAll(/<internalNodes>([^<]*)<\/internalNodes>/g)];
    const leaves = [...body.matchAll(/<leafValues>([^<]*)<\/leafValues>/g)];
    if (nodes.length !== Number(count) || leaves.length !== nodes.length) {
      throw new Error(`haar cascade: stage ${stages.length} has a malformed weak classifier`);
    }
    const stumps = nodes.map((node, i): HaarStump => {
      const n = numbers(node[1], "internalNodes");
      const l = numbers(leaves[i][1], "leafValues");
      if (n.length !== 4 || l.length !== 2) {
        throw new Error("haar cascade: only depth-one trees (stumps) are read");
      }
      return {
        feature: n[2],
        threshold: Math.fround(n[3]),
        left: Math.fround(l[0]),
        right: Math.fround(l[1]),
      };
    });
    stages.push({ threshold: Math.fround(Math.fround(Number(threshold)) - THRESHOLD_EPS), stumps });
  }
  const declared = Number(tagValue(xml, "stageNum"));
  if (stages.length === 0 || (Number.isFinite(declared) && declared !== stages.length)) {
    throw new Error(`haar cascade: read ${stages.length} stages, the file declares ${declared}`);
  }
  const features: HaarRect[][] = [];
  for (const [, body] of xml.slice(featuresStart).matchAll(/<rects>([\s\S]*?)<\/rects>/g)) {
    const rects = [...body.matchAll(/<_>([^<]*)<\/_>/g)].map(([, text]): HaarRect => {
      const v = numbers(text, "rect");
      if (v.length !== 5) throw new Error("haar cascade: a rect needs x y width height weight");
      const [x, y, w, h, weight] = v;
      if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > width || y + h > height) {
        throw new Error(`haar cascade: rect ${v.join(" ")} leaves the ${width}x${height} window`);
      }
      return { x, y, width: w, height: h, weight: Math.fround(weight) };
    });
    if (rects.length < 2 || rects.length > 3) {
      throw new Error("haar cascade: a feature has 2 or 3 rects");
    }
    features.push(rects);
  }
  for (const stage of stages) {
    for (const stump of stage.stumps) {
      if (!(stump.feature >= 0 && stump.feature < features.length)) {
        throw new Error(`haar cascade: stump uses feature ${stump.feature} of ${features.length}`);
      }
    }
  }
  return { width, height, stages, features };
}
