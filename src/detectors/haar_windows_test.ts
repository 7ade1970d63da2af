/**
 * The TypeScript cascade (haar_windows.ts, through the surrogate's windowPlan) against
 * OpenCV itself: on every sample and two development photos, the windows it finds passing
 * all 25 stages are exactly the raw windows opencv-js's detectMultiScale returns before
 * grouping, position and size. And the cascade file reader refuses what it cannot read.
 */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { readImage } from "../image/decode.ts";
import { HaarCascadeDetector } from "./haar_cascade.ts";
import { HaarSmoothDetector } from "./haar_smooth.ts";
import { parseHaarCascade } from "./haar_cascade_model.ts";
import { haarPyramid, roundHalfEven, windowBox } from "./haar_windows.ts";
import { SAMPLE_PATHS } from "../testing/fixtures.ts";

const PHOTOS = [
  ...SAMPLE_PATHS,
  "data/dev/tom-cruise-2014-w384.jpg",
  "data/dev/aksel-andersson-w256.jpg",
];

Deno.test("haar windows: the TypeScript cascade finds exactly OpenCV's raw detections", async () => {
  await initBackend("wasm");
  const cascade = await HaarCascadeDetector.load();
  const surrogate = await HaarSmoothDetector.load();
  try {
    let total = 0;
    for (const path of PHOTOS) {
      const image = await readImage(path);
      const opencv = cascade.rawWindows(image).map((box) => box.join(",")).sort();
      const plan = surrogate.windowPlan(image);
      const ours = plan.windows
        .filter((w) => w.stagesPassed === 25)
        .map((w) => {
          // OpenCV clips its boxes to the image (a 346 px window at x 43 of a 384 px image
          // is reported 341 wide).
          const [x, y, side] = windowBox(plan.levels[w.level], w);
          return [x, y, Math.min(side, plan.width - x), Math.min(side, plan.height - y)].join(",");
        })
        .sort();
      assert.deepEqual(ours, opencv, `${path}: raw windows differ`);
      // Near windows (22-24 stages) are scored too, and no window passes more than 25.
      assert.ok(plan.windows.every((w) => w.stagesPassed >= 22 && w.stagesPassed <= 25));
      total += ours.length;
    }
    // Measured: 88, 39, 121, 65, 164, 502 on the samples; a vacuous match would be 0.
    assert.ok(total > 900, `only ${total} raw windows over ${PHOTOS.length} photos`);
  } finally {
    cascade.dispose();
    surrogate.dispose();
  }
});

Deno.test("haar windows: the pyramid is OpenCV's (factors, sizes, steps, window range)", () => {
  const levels = haarPyramid(640, 480, { scaleFactor: 1.1, minSize: 30, window: 24 });
  // 24 * 1.1^k from >= 30 px up to the shorter side.
  assert.ok(levels.length > 0);
  assert.equal(roundHalfEven(24 * levels[0].factor), 32); // 26.4 and 29.04 are below 30
  assert.ok(roundHalfEven(24 * levels.at(-1)!.factor) <= 480);
  assert.ok(roundHalfEven(24 * levels.at(-1)!.factor * 1.1) > 480);
  for (const level of levels) {
    assert.equal(level.width, roundHalfEven(640 / level.factor));
    assert.equal(level.step, level.factor >= 2 ? 1 : 2);
  }
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, 2.4].map(roundHalfEven), [0, 2, 2, 0, 2]);
});

Deno.test("haar cascade reader: counts of the shipped cascade; other files refused in one line", async () => {
  const xml = await Deno.readTextFile("models/haarcascade_frontalface_default.xml");
  const model = parseHaarCascade(xml);
  assert.equal(model.stages.length, 25);
  assert.equal(model.stages.reduce((n, s) => n + s.stumps.length, 0), 2913);
  assert.deepEqual(model.stages.slice(0, 3).map((s) => s.stumps.length), [9, 16, 27]);
  // The file's first stage threshold, -5.0425500869750977, less OpenCV's 1e-5.
  assert.ok(Math.abs(model.stages[0].threshold - (-5.04256)) < 1e-5);
  assert.deepEqual(model.features[0], [
    { x: 6, y: 4, width: 12, height: 9, weight: -1 },
    { x: 6, y: 7, width: 12, height: 3, weight: 3 },
  ]);
  assert.throws(
    () => parseHaarCascade(xml.replace("<featureType>HAAR", "<featureType>LBP")),
    /only HAAR/,
  );
  assert.throws(
    () => parseHaarCascade(xml.replace("6 4 12 9 -1.", "6 4 30 9 -1.")),
    /leaves the 24x24/,
  );
  assert.throws(() => parseHaarCascade(xml.replace("<stageNum>25", "<stageNum>26")), /declares 26/);
  assert.throws(() => parseHaarCascade("<opencv_storage/>"), /only BOOST/);
});
