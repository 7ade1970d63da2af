/**
 * The adversarial layer with the recommended settings: in robust mode a protected
 * sample shows no face to any white-box detector on the output and after a real JPEG
 * q75 re-encode; an L2 budget holds on the 8-bit result; checks make the final file only
 * when the perturbed photo already shows no face.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { encodeImage, jpegRoundTrip } from "../image/encode.ts";
import { decodeImage } from "../image/decode.ts";
import { DEV_DIR } from "../paths.ts";
import { DEFAULT_SOURCE_IDS, loadDetector, loadWhiteBoxDetector } from "../detectors/registry.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { l2, linf } from "../metrics/perturbation_norms.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { PROTECT_DEFAULTS } from "./defaults.ts";
import {
  carryColour,
  detectionCheckpoint,
  medianFaceSide,
  perturbPhoto,
  refinementForSize,
  refineStepsAtBudget,
  stallChecksAt,
  textureShareAtBudget,
  variableFactor,
} from "./perturb_photo.ts";

Deno.test("robust defaults: no white-box face on the output or after JPEG q75", async () => {
  await initBackend("wasm");
  const image = await resizeImage(await readSample(1), 640);
  const result = await perturbPhoto(image, {
    ...PROTECT_DEFAULTS,
    eot: PROTECT_DEFAULTS.eot,
    detectors: [...DEFAULT_SOURCE_IDS],
  });
  assert.ok(result.stepsRun <= PROTECT_DEFAULTS.steps);
  assert.ok(linf(image, result.image) <= PROTECT_DEFAULTS.eps);
  const reencoded = await jpegRoundTrip(result.image, 75);
  for (const id of DEFAULT_SOURCE_IDS) {
    const detector = await loadDetector(id);
    assert.ok((await detector.detect(image)).length >= 2, `${id}: clean faces`);
    assert.equal((await detector.detect(result.image)).length, 0, `${id}: faces on the output`);
    assert.equal((await detector.detect(reencoded)).length, 0, `${id}: faces after JPEG q75`);
  }
});

Deno.test("an L2 budget holds on the 8-bit result", async () => {
  await initBackend("wasm");
  const image = await resizeImage(await readSample(4), 480);
  const result = await perturbPhoto(image, {
    attack: "pgd",
    norm: "l2",
    // L2 over the 0..1 image: 5 is an RMS change of about 2 grey levels at 480x320.
    eps: 5,
    steps: 10,
    detectors: ["blazeface-front"],
    robust: false,
    seed: 4,
  });
  const distance = l2(image, result.image);
  assert.ok(distance > 1, `the attack barely moved: L2 ${distance}`);
  assert.ok(distance <= 5, `L2 ${distance} exceeds the budget 5`);
});

Deno.test("checks mark and encode the final file only once the perturbed photo shows at most one face, or when asked only whether any is left", async () => {
  await initBackend("wasm");
  const detector = await loadWhiteBoxDetector("blazeface-front");
  let finished = 0;
  const facesReported: number[] = [];
  // Counts the final files made (finish runs once per final-file check).
  const countingCheckpoint = (robust: boolean) =>
    detectionCheckpoint([detector], {
      every: 10,
      robust,
      format: "jpeg",
      quality: 95,
      finish: (image) => {
        finished++;
        return image;
      },
    }, (faces) => facesReported.push(faces));
  const checkpoint = countingCheckpoint(true);
  // A photo with faces: decided by the first stage, no marks drawn.
  const faces = imageToTensor(await resizeImage(await readSample(1), 480));
  const found = await checkpoint.check(faces, 10);
  assert.ok(typeof found === "number" && found >= 2, `faces found: ${found}`);
  assert.equal(finished, 0);
  assert.ok(facesReported[0] >= 2, `faces reported: ${facesReported[0]}`);
  // A plain grey photo: no face, so the final file is made and judged too.
  const grey = tf.fill([1, 320, 480, 3], 128) as tf.Tensor4D;
  assert.equal(await checkpoint.check(grey, 20), 0);
  assert.equal(finished, 1);
  assert.equal(facesReported[1], 0);
  // One face on the plain check is marginal: the final file decides, and its count is returned.
  const single = countingCheckpoint(false);
  const portrait = await decodeImage(await Deno.readFile(`${DEV_DIR}/tom-cruise-2014-w128.jpg`));
  assert.equal((await detector.detect(portrait)).length, 1, "the portrait shows one face");
  const one = imageToTensor(portrait);
  const judged = await single.check(one, 30);
  assert.equal(finished, 2);
  const written = await decodeImage(await encodeImage(portrait, "jpeg", { quality: 95 }));
  assert.equal(judged, (await detector.detect(written)).length);
  // Asked only whether any face is left (above 0), the check judges the final file at once.
  const any = await checkpoint.check(faces, 40, 0);
  assert.equal(finished, 3);
  assert.ok(typeof any === "number" && any >= 1, `faces on the file: ${any}`);
  tf.dispose([faces, grey, one]);
});

Deno.test("a check bounded by `above` is exact up to it and stops counting past it", async () => {
  await initBackend("wasm");
  const ids = ["blazeface-front", "blazeface-back"];
  const detectors = await Promise.all(ids.map((id) => loadWhiteBoxDetector(id)));
  const image = await resizeImage(await readSample(1), 480);
  const reencoded = await jpegRoundTrip(image, 75);
  // The count every detector gives on the photo and its q75 copy, one by one.
  const perDetector: number[] = [];
  for (const variant of [image, reencoded]) {
    for (const d of detectors) perDetector.push((await d.detect(variant)).length);
  }
  const exact = perDetector.reduce((a, b) => a + b, 0);
  assert.ok(perDetector[0] >= 2 && exact > perDetector[0], `counts ${perDetector}`);
  const checkpoint = detectionCheckpoint(detectors, {
    every: 10,
    robust: true,
    format: "png",
    quality: 95,
  }, () => {});
  const candidate = imageToTensor(image);
  assert.equal(await checkpoint.check(candidate, 10), exact);
  assert.equal(await checkpoint.check(candidate, 10, exact), exact);
  // Past the bound, the count ends with the detector that crossed it: the first one here.
  assert.equal(await checkpoint.check(candidate, 10, 1), perDetector[0]);
  assert.equal(await checkpoint.check(candidate, 10, 0), perDetector[0]);
  candidate.dispose();
});

Deno.test("escalation stops at the first budget that hides every face", async () => {
  await initBackend("wasm");
  const detector = await loadWhiteBoxDetector("blazeface-front");
  const image = await resizeImage(await readSample(1), 320);
  const result = await perturbPhoto(image, {
    attack: "apgd",
    eps: 16,
    steps: 200,
    escalation: { start: 1, ratio: 2, stepsPerRung: 25 },
    detectors: ["blazeface-front"],
    robust: false,
    seed: 1,
  });
  const tried = result.rungs.map((r) => r.eps);
  // The ladder is 1, 2, 4, 8, 16; it ends at the first rung that shows no face.
  assert.deepEqual(tried, [1, 2, 4, 8, 16].slice(0, tried.length));
  assert.equal(result.rungs.at(-1)!.facesLeft, 0, JSON.stringify(result.rungs));
  assert.ok(result.rungs.slice(0, -1).every((r) => r.facesLeft > 0), JSON.stringify(result.rungs));
  assert.ok(tried.length >= 2, `the smallest budget already hid the faces: ${tried}`);
  assert.equal(result.eps, tried.at(-1));
  assert.ok(linf(image, result.image) <= result.eps);
  assert.equal((await detector.detect(result.image)).length, 0);
});

Deno.test("at a ceiling too low, every budget is tried and the best checked candidate is returned", async () => {
  await initBackend("wasm");
  const detector = await loadWhiteBoxDetector("blazeface-front");
  const image = await resizeImage(await readSample(1), 320);
  const seen: number[] = [];
  const result = await perturbPhoto(image, {
    attack: "pgd",
    eps: 1,
    steps: 12,
    escalation: { start: 0.5, ratio: 2, stepsPerRung: 6 },
    checkEvery: 2,
    detectors: ["blazeface-front"],
    robust: false,
    seed: 1,
    onProgress: (_step, _loss, faces) => seen.push(faces),
  });
  assert.deepEqual(result.rungs.map((r) => r.eps), [0.5, 1]);
  assert.ok(result.facesLeft > 0, "a budget of one grey level hid every face");
  // The photo written is the best one checked: a fresh detection on it finds exactly the
  // faces its check counted, and no check saw fewer.
  assert.equal((await detector.detect(result.image)).length, result.facesLeft);
  assert.equal(Math.min(...seen.filter((n) => n >= 0)), result.facesLeft);
});

/** The last-resort tests' attack: plain PGD on BlazeFace front, checked every 2 steps. */
const SMALL_ATTACK = {
  attack: "pgd",
  detectors: ["blazeface-front"],
  robust: false,
  seed: 1,
  checkEvery: 2,
};

Deno.test("the last resort runs a grey rung at the ceiling only after every budget left a face", async () => {
  await initBackend("wasm");
  const image = await resizeImage(await readSample(1), 320);
  const options = { ...SMALL_ATTACK, lastResort: { colour: "luma" as const, steps: 4 } };
  // One grey level cannot hide a face in 4 steps: the grey rung follows, afresh.
  const weak = await perturbPhoto(image, { ...options, eps: 1, steps: 4, escalation: false });
  assert.deepEqual(weak.rungs.map((r) => [r.eps, r.colour]), [[1, "rgb"], [1, "luma"]]);
  assert.ok(weak.rungs[1].stepsRun <= 4 && weak.rungs[1].stepsRun > 0);
  const kept = weak.rungs[1].facesLeft < weak.rungs[0].facesLeft ? "luma" : "rgb";
  assert.equal(weak.colour, kept);
  // A ladder that hides every face never reaches the last resort.
  const strong = await perturbPhoto(image, { ...options, eps: 16, steps: 200, escalation: false });
  assert.equal(strong.facesLeft, 0);
  assert.deepEqual(strong.rungs.map((r) => r.colour), ["rgb"]);
  assert.equal(strong.colour, "rgb");
  await assert.rejects(
    perturbPhoto(image, { ...options, eps: 1, steps: 4, lastResort: { colour: "luma", steps: 0 } }),
    /lastResort.steps must be a whole number >= 1/,
  );
});

Deno.test("with carry, a last resort that leaves a face starts again from the ceiling rung's grey part", async () => {
  await initBackend("wasm");
  const image = await resizeImage(await readSample(1), 320);
  // One grey level for 4 steps leaves the faces: both grey starts run.
  const options = { ...SMALL_ATTACK, eps: 1, steps: 4, escalation: false as const };
  const firstLosses = async (carry: boolean) => {
    const losses = new Map<number, number>();
    const result = await perturbPhoto(image, {
      ...options,
      lastResort: { colour: "luma", steps: 4, carry },
      onProgress: (step, loss) => losses.set(step, loss),
    });
    // The loss of each rung's first step.
    let before = 0;
    const first = result.rungs.map((rung) => {
      const loss = losses.get(before + 1)!;
      before += rung.stepsRun;
      return loss;
    });
    return { result, first };
  };
  const once = await firstLosses(false);
  const twice = await firstLosses(true);
  assert.ok(once.result.rungs[1].facesLeft > 0, "one grey level for 4 steps leaves the face");
  assert.deepEqual(
    twice.result.rungs.slice(0, 2),
    once.result.rungs,
    "the first start is unchanged",
  );
  assert.deepEqual(twice.result.rungs.map((r) => [r.colour, r.carried]), [
    ["rgb", undefined],
    ["luma", undefined],
    ["luma", true],
  ]);
  assert.equal(twice.result.stepsRun, once.result.stepsRun + twice.result.rungs[2].stepsRun);
  // From zero with the same seed the second start would repeat the first's first step.
  assert.notEqual(twice.first[2], twice.first[1]);
  assert.equal(twice.first[1], once.first[1]);
});

Deno.test("with resume, the grey start that left fewer faces carries on after both leave a face", async () => {
  await initBackend("wasm");
  const image = await resizeImage(await readSample(1), 320);
  const losses = new Map<number, number>();
  const result = await perturbPhoto(image, {
    ...SMALL_ATTACK,
    eps: 1,
    steps: 4,
    escalation: false,
    lastResort: { colour: "luma", steps: 4, carry: true, resume: 4 },
    onProgress: (step, loss) => losses.set(step, loss),
  });
  assert.deepEqual(result.rungs.map((r) => [r.colour, r.carried, r.resumed]), [
    ["rgb", undefined, undefined],
    ["luma", undefined, undefined],
    ["luma", true, undefined],
    ["luma", undefined, true],
  ]);
  assert.ok(result.rungs[3].facesLeft > 0, "one grey level for 12 steps leaves the face");
  assert.equal(result.stepsRun, result.rungs.reduce((sum, r) => sum + r.stepsRun, 0));
  const firstLossOf = (rung: number) =>
    losses.get(result.rungs.slice(0, rung).reduce((sum, r) => sum + r.stepsRun, 0) + 1)!;
  // It carries a start on: a fresh start from zero would repeat the first start's first loss.
  assert.notEqual(firstLossOf(3), firstLossOf(1));
  assert.notEqual(firstLossOf(3), firstLossOf(2));
  await assert.rejects(
    perturbPhoto(image, {
      ...SMALL_ATTACK,
      eps: 1,
      steps: 4,
      lastResort: { colour: "luma", steps: 4, resume: 4 },
    }),
    /lastResort.resume needs lastResort.carry/,
  );
  await assert.rejects(
    perturbPhoto(image, {
      ...SMALL_ATTACK,
      eps: 1,
      steps: 4,
      lastResort: { colour: "luma", steps: 4, carry: true, resume: 1.5 },
    }),
    /lastResort.resume must be a whole number >= 0, got 1.5/,
  );
});

Deno.test("a carried variable is the RGB one's channel mean, or grey copied to every channel", async () => {
  await initBackend("wasm");
  tf.tidy(() => {
    const rgb = tf.tensor4d([3, 6, 9, -3, 0, 0], [1, 1, 2, 3]);
    const grey = tf.tensor4d([2, -5], [1, 1, 2, 1]);
    const luma = carryColour(rgb, "luma");
    assert.deepEqual(luma.shape, [1, 1, 2, 1]);
    assert.deepEqual(Array.from(luma.dataSync()), [6, -1]);
    assert.deepEqual(Array.from(carryColour(grey, "rgb").dataSync()), [2, 2, 2, -5, -5, -5]);
    assert.deepEqual(Array.from(carryColour(rgb, "rgb").dataSync()), [3, 6, 9, -3, 0, 0]);
  });
});

Deno.test("refinement takes fewer steps and checks on photos over a megapixel", () => {
  const photo = (width: number, height: number) => ({
    width,
    height,
    data: new Uint8Array(0),
  });
  const at = (w: number, h: number) => refinementForSize(photo(w, h), 40, 10);
  assert.deepEqual(at(640, 480), { refineSteps: 40, refineCheckEvery: 10 });
  assert.deepEqual(at(1000, 1000), { refineSteps: 40, refineCheckEvery: 10 });
  // 2.46 MP: sqrt 1.57, 40 / 1.57 = 25.5.
  assert.deepEqual(at(1920, 1280), { refineSteps: 26, refineCheckEvery: 20 });
  // 12 MP: sqrt 3.46.
  assert.deepEqual(at(4000, 3000), { refineSteps: 12, refineCheckEvery: 30 });
  assert.deepEqual(refinementForSize(photo(1920, 1280), 0, 10).refineSteps, 0);
});

Deno.test("the variable is 320 px on its long side, coarser than the pixels where faces allow", () => {
  const defaults = {
    variableSide: PROTECT_DEFAULTS.variableSide,
    minFactor: PROTECT_DEFAULTS.minFactor,
  };
  // Large photos: the long side over 320, whatever the faces.
  assert.equal(variableFactor({ width: 1920, height: 1280 }, { ...defaults, faceSide: 400 }), 6);
  assert.equal(variableFactor({ width: 480, height: 640 }, { ...defaults, faceSide: 10 }), 2);
  // A close-up of 128 px with a 90 px face: cells of 1.5 px (the face keeps 60 across).
  const closeUp = { width: 128, height: 182 };
  assert.equal(variableFactor(closeUp, { ...defaults, faceSide: 90 }), 1.5);
  // Faces of 25 px keep 20 cells across: 1.25 px; of 15 px or none found: the pixels.
  assert.equal(variableFactor({ width: 250, height: 188 }, { ...defaults, faceSide: 25 }), 1.25);
  assert.equal(variableFactor({ width: 250, height: 188 }, { ...defaults, faceSide: 15 }), 1);
  assert.equal(variableFactor(closeUp, defaults), 1);
  assert.equal(variableFactor(closeUp, { variableSide: 320, minFactor: 1, faceSide: 90 }), 1);
});

Deno.test("refinement thins textured regions below the ceiling, never at it", () => {
  const options = { ...PROTECT_DEFAULTS.attackOptions };
  assert.deepEqual(textureShareAtBudget(options, 7.75, 16), { refineTextureShare: 0.3 });
  assert.deepEqual(textureShareAtBudget(options, 16, 16), { refineTextureShare: 0 });
  // Options without a share leave the refiner's own default alone.
  assert.deepEqual(textureShareAtBudget({ refineSteps: 40 }, 5.5, 16), {});
  assert.deepEqual(textureShareAtBudget(undefined, 5.5, 16), {});
});

Deno.test("the median face side is the middle box's square-root area", () => {
  const face = (w: number, h: number) => ({
    box: [0, 0, w, h] as [number, number, number, number],
    score: 1,
  });
  assert.equal(medianFaceSide([]), 0);
  assert.equal(medianFaceSide([face(20, 80), face(100, 100), face(9, 9)]), 40);
  assert.equal(medianFaceSide([face(10, 10), face(30, 30)]), 20);
});

Deno.test("a minimum factor below 1 or above 64 is refused before any detector loads", async () => {
  const image = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) };
  for (const minFactor of [0.5, 65, Number.NaN]) {
    await assert.rejects(
      () =>
        perturbPhoto(image, {
          ...PROTECT_DEFAULTS,
          minFactor,
          eot: PROTECT_DEFAULTS.eot,
          detectors: ["no-such-detector"],
        }),
      /minFactor must be between 1 and 64/,
    );
  }
});

Deno.test("refinement runs ceilingRefineFactor times the steps at the ceiling, the options' own below", () => {
  const standard = { ...PROTECT_DEFAULTS };
  assert.equal(refineStepsAtBudget(standard, 7.75), 40);
  assert.equal(refineStepsAtBudget(standard, 10.75), 40);
  assert.equal(refineStepsAtBudget(standard, 16), 120);
  // Without a factor, or without refinement, the ceiling gets what the rest get.
  assert.equal(refineStepsAtBudget({ ...standard, ceilingRefineFactor: undefined }, 16), 40);
  const off = { ...standard, attackOptions: { ...standard.attackOptions, refineSteps: 0 } };
  assert.equal(refineStepsAtBudget(off, 16), 0);
});

Deno.test("a ceiling refinement factor that is not a whole number from 1 to 10 is refused", async () => {
  const image = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) };
  for (const ceilingRefineFactor of [0, 1.5, 11, Number.NaN]) {
    await assert.rejects(
      () =>
        perturbPhoto(image, {
          ...PROTECT_DEFAULTS,
          ceilingRefineFactor,
          eot: PROTECT_DEFAULTS.eot,
          detectors: ["no-such-detector"],
        }),
      /ceilingRefineFactor must be a whole number from 1 to 10, got/,
    );
  }
});

Deno.test("rungs below the ceiling hand over when stalled; the ceiling and the grey tries run on", () => {
  const ladder = { ...PROTECT_DEFAULTS.escalation, stallChecks: 3 };
  const stalling = { ...PROTECT_DEFAULTS, escalation: ladder };
  assert.equal(stallChecksAt(stalling, { eps: 7.75, role: "ladder" }), 3);
  assert.equal(stallChecksAt(stalling, { eps: 10.75, role: "ladder" }), 3);
  assert.equal(stallChecksAt(stalling, { eps: 16, role: "ladder" }), 0);
  assert.equal(stallChecksAt(stalling, { eps: 16, role: "last" }), 0);
  assert.equal(stallChecksAt(stalling, { eps: 16, role: "carried" }), 0);
  // Without escalation, or with a ladder that leaves stallChecks out, every rung runs its steps.
  assert.equal(stallChecksAt({ ...stalling, escalation: false }, { eps: 7.75, role: "ladder" }), 0);
  const { stallChecks: _, ...patient } = ladder;
  assert.equal(
    stallChecksAt({ ...stalling, escalation: patient }, { eps: 7.75, role: "ladder" }),
    0,
  );
  // The defaults hand over after two stalled checks below the ceiling.
  assert.equal(stallChecksAt(PROTECT_DEFAULTS, { eps: 7.75, role: "ladder" }), 2);
  assert.equal(stallChecksAt(PROTECT_DEFAULTS, { eps: 16, role: "ladder" }), 0);
});

Deno.test("a ladder stallChecks that is not a whole number from 0 to 100 is refused", async () => {
  const image = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) };
  for (const stallChecks of [-1, 0.5, 101, Number.NaN]) {
    await assert.rejects(
      () =>
        perturbPhoto(image, {
          ...PROTECT_DEFAULTS,
          escalation: { ...PROTECT_DEFAULTS.escalation, stallChecks },
          eot: PROTECT_DEFAULTS.eot,
          detectors: ["no-such-detector"],
        }),
      /escalation.stallChecks must be a whole number from 0 to 100, got/,
    );
  }
});
