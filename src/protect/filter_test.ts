/**
 * The multi-layer filter end to end on a real photo: the final encoded bytes hide every
 * face from the attacked white-box detectors (also after JPEG q75), carry the hidden message
 * (also after JPEG q75 and q85), carry the metadata marks (read back by exifr) and none of
 * the input's GPS position or camera serial; layer switches, cancelling, progress and bad
 * input behave.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { initBackend } from "../backend.ts";
import { DEFAULT_SOURCE_IDS, loadDetector } from "../detectors/registry.ts";
import { decodeImage, sniffFormat } from "../image/decode.ts";
import { encodeImage, jpegRoundTrip } from "../image/encode.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { readMarks } from "../marks/metadata.ts";
import { extractMessage } from "../stego/extract.ts";
import { DEFAULT_STATEMENT, DEFAULT_STEGO_MESSAGE } from "../stego/message.ts";
import { inspectPhoto } from "../inspect/inspect_photo.ts";
import { makeBadInputs } from "../testing/bad_inputs.ts";
import { readSample, resizeImage, SAMPLE_PATHS } from "../testing/fixtures.ts";
import { UserError } from "../errors.ts";
import { type FilterProgress, protectPhotoBytes } from "./filter.ts";

const SOURCES = [...DEFAULT_SOURCE_IDS];

/** A 480 px camera JPEG that carries a GPS position and a camera serial number. */
async function taggedInput(): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(SAMPLE_PATHS[0]).resize({ width: 480 }).jpeg({ quality: 92 })
      .withExif({
        IFD0: { Make: "TestCam", Model: "X1" },
        IFD2: { BodySerialNumber: "SN-123456" },
        IFD3: { GPSLatitudeRef: "N", GPSLatitude: "52/1 31/1 0/1" },
      }).toBuffer(),
  );
}

async function faces(image: RgbImage): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const id of SOURCES) counts[id] = (await (await loadDetector(id)).detect(image)).length;
  return counts;
}

Deno.test("the final file hides the faces and carries the message and the marks, without GPS", async () => {
  await initBackend("wasm");
  const input = await taggedInput();
  assert.deepEqual((await readMarks(input)).identifying, [
    "GPS position",
    "camera make and model",
    "camera serial number",
  ]);
  const seen: FilterProgress[] = [];
  const result = await protectPhotoBytes(input, {
    preset: "strong",
    seed: 1,
    judges: SOURCES,
    onProgress: (p) => seen.push(p),
  });
  const { bytes, report } = result;
  assert.equal(result.format, "jpeg");
  assert.equal(result.contentType, "image/jpeg");
  assert.equal(sniffFormat(bytes), "jpeg");
  assert.deepEqual(report.layers, { perturbation: true, stego: true, badge: true, metadata: true });
  assert.ok(report.steps_run > 0 && report.steps_run <= 300, `${report.steps_run} steps`);

  // Judged here, independently of the report, on exactly the bytes that go out.
  const written = await decodeImage(bytes);
  const clean = await decodeImage(input);
  const before = await faces(clean);
  for (const id of SOURCES) assert.ok(before[id] >= 2, `${id}: ${before[id]} clean faces`);
  const q75 = await jpegRoundTrip(written, 75);
  assert.deepEqual(await faces(written), {
    "blazeface-back": 0,
    "blazeface-front": 0,
    "mediapipe-full": 0,
  });
  assert.deepEqual(await faces(q75), {
    "blazeface-back": 0,
    "blazeface-front": 0,
    "mediapipe-full": 0,
  });
  for (const id of SOURCES) {
    assert.deepEqual(report.faces[id], { clean: before[id], output: 0, after_jpeg75: 0 }, id);
  }

  // The hidden do-not-process code survives the output, and JPEG q75 and q85 re-encodes of it.
  assert.equal(extractMessage(written).message, DEFAULT_STEGO_MESSAGE);
  assert.equal(extractMessage(q75).message, DEFAULT_STEGO_MESSAGE);
  assert.equal(extractMessage(await jpegRoundTrip(written, 85)).message, DEFAULT_STEGO_MESSAGE);
  assert.equal(report.stego?.output.message, DEFAULT_STEGO_MESSAGE);

  // Metadata marks, read by exifr; the input's GPS position and serial number are gone.
  const marks = await readMarks(bytes);
  assert.equal(marks.dataMining, "DMI-PROHIBITED");
  assert.equal(marks.usageTerms, DEFAULT_STATEMENT);
  assert.equal(marks.imageDescription, DEFAULT_STATEMENT);
  assert.deepEqual(marks.identifying, []);
  assert.deepEqual(report.removed_metadata, [
    "GPS position",
    "camera make and model",
    "camera serial number",
  ]);
  const text = new TextDecoder("latin1").decode(bytes);
  assert.ok(!text.includes("SN-123456") && !text.includes("TestCam"));

  // The badge sits in its corner; quality is measured outside it.
  assert.ok(report.badge && report.badge.left > written.width / 2);
  assert.ok(report.psnr_db > 30 && report.ssim > 0.85, `${report.psnr_db} dB, ${report.ssim}`);

  // Progress: every stage in order, never backwards, ending at 1.
  const stages = [...new Set(seen.map((p) => p.stage))];
  assert.deepEqual(stages, ["decode", "perturb", "stego", "badge", "encode", "check", "done"]);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].fraction >= seen[i - 1].fraction);
  assert.deepEqual(seen.at(-1), { stage: "done", fraction: 1, message: "done" });
  assert.ok(seen.filter((p) => p.stage === "perturb").length >= report.steps_run);

  // What `inspect` says about it.
  const inspected = await inspectPhoto(bytes, { detectors: SOURCES });
  assert.match(
    inspected.verdict,
    /^protected; marks: do-not-process code found \(.+\), metadata \(DMI-PROHIBITED\)/,
  );
});

Deno.test("each layer can be switched off", async () => {
  await initBackend("wasm");
  const photo = await resizeImage(await readSample(2), 480);
  const input = await encodeImage(photo, "png");
  const run = (layers: object, format?: "webp") =>
    protectPhotoBytes(input, { layers, judges: ["blazeface-front"], format });
  const none = { perturbation: false, stego: false, badge: false, metadata: false };

  const plain = await run(none);
  assert.equal(plain.format, "png");
  assert.deepEqual((await decodeImage(plain.bytes)).data, photo.data);
  assert.equal((await readMarks(plain.bytes)).dataMining, null);
  assert.equal(extractMessage(photo).message, null);
  assert.deepEqual([plain.report.steps_run, plain.report.badge, plain.report.stego], [
    0,
    null,
    null,
  ]);

  const metadataOnly = await run({ ...none, metadata: true });
  assert.deepEqual((await decodeImage(metadataOnly.bytes)).data, photo.data);
  assert.equal((await readMarks(metadataOnly.bytes)).dataMining, "DMI-PROHIBITED");

  const badgeOnly = await run({ ...none, badge: true });
  const box = badgeOnly.report.badge!;
  const badged = await decodeImage(badgeOnly.bytes);
  let inside = 0;
  for (let i = 0; i < photo.data.length; i++) {
    if (badged.data[i] === photo.data[i]) continue;
    const pixel = Math.floor(i / 3), x = pixel % photo.width, y = Math.floor(pixel / photo.width);
    const within = x >= box.left && x < box.left + box.width && y >= box.top &&
      y < box.top + box.height;
    assert.ok(within, `pixel ${x},${y} changed outside the badge`);
    inside++;
  }
  assert.ok(inside > 1000, `${inside} values changed`);
  assert.equal(extractMessage(badged).message, null);

  const stegoOnly = await run({ ...none, stego: true }, "webp");
  assert.equal(stegoOnly.contentType, "image/webp");
  assert.equal(sniffFormat(stegoOnly.bytes), "webp");
  assert.equal(extractMessage(await decodeImage(stegoOnly.bytes)).message, DEFAULT_STEGO_MESSAGE);
  assert.equal((await readMarks(stegoOnly.bytes)).dataMining, null);

  const custom = await protectPhotoBytes(input, {
    layers: { perturbation: false },
    message: "Nicht erkennen, bitte. v2",
    judges: ["blazeface-front"],
  });
  assert.equal(
    extractMessage(await decodeImage(custom.bytes)).message,
    "Nicht erkennen, bitte. v2",
  );
  assert.equal((await readMarks(custom.bytes)).usageTerms, "Nicht erkennen, bitte. v2");
  assert.equal(custom.report.steps_run, 0);
});

Deno.test("a last resort run from two starts, the closer carried on, is in the report's budget and notes", async () => {
  await initBackend("wasm");
  const input = await encodeImage(await resizeImage(await readSample(1), 320), "png");
  // One grey level for a few steps cannot hide the faces: both grey starts run.
  const { report } = await protectPhotoBytes(input, {
    layers: { stego: false, badge: false },
    judges: ["blazeface-front"],
    perturb: {
      attack: "pgd",
      attackOptions: {},
      detectors: ["blazeface-front"],
      robust: false,
      eps: 1,
      steps: 4,
      escalation: false,
      checkEvery: 2,
      lastResort: { colour: "luma", steps: 2, carry: true, resume: 2 },
    },
  });
  assert.equal(report.fully_protected, false);
  assert.deepEqual(report.budget.tried.map((r) => [r.colour, r.carried, r.resumed]), [
    ["rgb", undefined, undefined],
    ["luma", undefined, undefined],
    ["luma", true, undefined],
    ["luma", undefined, true],
  ]);
  assert.equal(report.steps_run, report.budget.tried.reduce((sum, r) => sum + r.stepsRun, 0));
  assert.ok(
    report.notes.some((note) =>
      note.includes("was tried last, from two starts, the closer one carried on")
    ),
    report.notes.join(" | "),
  );
  // The verdict is its own field too (the page lists the other notes below its headline).
  assert.match(
    report.verdict_note ?? "",
    /^not fully protected: blazeface-front still finds a face/,
  );
  assert.ok(report.notes.includes(report.verdict_note!));
});

Deno.test("a second attempt for a visible change is measured on the written file, as the report judges it", async () => {
  await initBackend("wasm");
  const input = await encodeImage(await resizeImage(await readSample(1), 320), "png");
  const { report } = await protectPhotoBytes(input, {
    judges: ["blazeface-front"],
    perturb: {
      attack: "pgd",
      attackOptions: {},
      detectors: ["blazeface-front"],
      robust: false,
      eps: 16,
      steps: 60,
      escalation: { start: 4, ratio: 2, stepsPerRung: 20 },
      checkEvery: 2,
      // Every change lowers SSIM below 1: the second attempt always runs.
      visibleRetry: { below: 1, ratio: 1.5 },
    },
  });
  const retry = report.budget.retry!;
  // Only a photo the first attempt protected (on its own checks) gets the second.
  assert.ok(retry, "the report has the second attempt");
  const kept = retry.kept === "second" ? retry.ssimSecond! : retry.ssimFirst;
  // The retry's measure is the report's own SSIM (outside the badge, on the written file).
  assert.equal(Math.round(kept * 1e4) / 1e4, report.ssim);
  assert.equal(
    report.steps_run,
    report.budget.tried.reduce((sum, r) => sum + r.stepsRun, 0) + retry.discardedSteps,
  );
  assert.ok(
    report.notes.some((note) =>
      note.includes("so it was protected again along a finer budget ladder")
    ),
    report.notes.join(" | "),
  );
});

Deno.test("a photo too small for the message or the badge goes out without them, and says so", async () => {
  await initBackend("wasm");
  const tiny = await encodeImage(await resizeImage(await readSample(1), 96), "png");
  const { bytes, report } = await protectPhotoBytes(tiny, {
    layers: { perturbation: false },
    judges: ["blazeface-front"],
  });
  assert.deepEqual(report.layers, {
    perturbation: false,
    stego: false,
    badge: false,
    metadata: true,
  });
  assert.equal(report.notes.length, 2);
  assert.match(report.notes[0], /^hidden message skipped: .*too small to hide/);
  assert.match(report.notes[1], /^badge skipped/);
  assert.equal((await readMarks(bytes)).dataMining, "DMI-PROHIBITED");
});

Deno.test("an abort stops the protection between attack steps with an AbortError", async () => {
  await initBackend("wasm");
  const input = await encodeImage(await resizeImage(await readSample(3), 480), "jpeg");
  const controller = new AbortController();
  let stepsAfterAbort = 0;
  await assert.rejects(
    protectPhotoBytes(input, {
      signal: controller.signal,
      judges: ["blazeface-front"],
      onProgress: (p) => {
        if (p.stage !== "perturb" || !p.message.startsWith("step")) return;
        if (controller.signal.aborted) stepsAfterAbort++;
        else if (p.message.startsWith("step 3 ")) controller.abort(new Error("user left"));
      },
    }),
    (error: Error) => error.name === "AbortError" && /cancelled \(user left\)/.test(error.message),
  );
  assert.equal(stepsAfterAbort, 0);
  const aborted = AbortSignal.abort(new Error("too late"));
  await assert.rejects(protectPhotoBytes(input, { signal: aborted }), { name: "AbortError" });
});

Deno.test("bad photos and options are refused with one-line UserErrors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-filter-bad-" });
  try {
    const bad = await makeBadInputs(dir);
    const cases: [string, RegExp][] = [
      [bad.empty, /file is empty/],
      [bad.text, /not a JPEG, PNG or WebP image/],
      [bad.truncated, /corrupt or truncated JPEG/],
      [bad.huge, /over the limit of 24 megapixels/],
      [bad.gif, /not a JPEG, PNG or WebP image/],
      [bad.corruptPng, /corrupt or truncated PNG/],
    ];
    for (const [path, pattern] of cases) {
      await assert.rejects(
        protectPhotoBytes(await Deno.readFile(path)),
        (e: Error) =>
          e instanceof UserError && pattern.test(e.message) && !e.message.includes("\n"),
        path,
      );
    }
    const good = await encodeImage(await resizeImage(await readSample(1), 320), "jpeg");
    const options: [object, RegExp][] = [
      [{ preset: "extreme" }, /unknown preset "extreme"; choose from light, standard, strong/],
      [{ message: "" }, /hidden message must be a non-empty text/],
      [{ message: "x".repeat(400) }, /at most \d+ bytes fit/],
      [{ badge: { position: "centre" } }, /unknown badge position/],
      [{ quality: 0 }, /quality must be a whole number from 1 to 100/],
    ];
    for (const [option, pattern] of options) {
      await assert.rejects(
        protectPhotoBytes(good, option),
        (e: Error) => e instanceof UserError && pattern.test(e.message),
        JSON.stringify(option),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
