/**
 * The `inspect` command as a user runs it: JSON shape on a marked and on an unmarked photo,
 * the human-readable form, and bad input refused in one line with a non-zero exit.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { initBackend } from "../backend.ts";
import { DETECTOR_IDS } from "../detectors/registry.ts";
import { protectPhotoBytes } from "../protect/filter.ts";
import { DEFAULT_STATEMENT, DEFAULT_STEGO_MESSAGE } from "../stego/message.ts";
import { makeBadInputs } from "../testing/bad_inputs.ts";
import { runCliScript } from "../testing/run_cli_script.ts";
import { SAMPLE_PATHS } from "../testing/fixtures.ts";
import type { InspectReport } from "../inspect/inspect_photo.ts";

function runInspect(args: string[]) {
  return runCliScript("inspect.ts", args);
}

function checkShape(report: InspectReport): void {
  assert.deepEqual(Object.keys(report), ["metadata", "stego", "detectors", "verdict"]);
  assert.deepEqual(Object.keys(report.stego), ["message", "confidence", "code"]);
  assert.ok(report.stego.confidence >= 0 && report.stego.confidence <= 1);
  assert.equal(typeof report.verdict, "string");
  assert.ok(!report.verdict.includes("\n"));
  for (const n of Object.values(report.detectors)) assert.ok(Number.isInteger(n) && n >= 0);
}

Deno.test("inspect --json on a marked and on an unmarked photo", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-inspect-" });
  try {
    // Unmarked: a camera JPEG that still carries its GPS position.
    const plain = `${dir}/plain.jpg`;
    await sharp(SAMPLE_PATHS[3]).resize({ width: 480 }).keepExif().jpeg({ quality: 90 })
      .toFile(plain);
    const first = await runInspect([plain, "--json"]);
    assert.equal(first.code, 0, first.stderr);
    const unmarked = JSON.parse(first.stdout) as InspectReport;
    checkShape(unmarked);
    assert.deepEqual(Object.keys(unmarked.detectors), [...DETECTOR_IDS]);
    assert.equal(unmarked.stego.message, null);
    assert.ok(unmarked.stego.confidence < 0.3, `confidence ${unmarked.stego.confidence}`);
    assert.equal(unmarked.metadata.dataMining, null);
    assert.ok(unmarked.metadata.identifying.includes("GPS position"));
    assert.ok(unmarked.detectors["blazeface-back"] >= 3);
    assert.match(unmarked.verdict, /^not protected; no EqualAIs marks; faces found by/);
    assert.match(unmarked.verdict, /carries identifying metadata: GPS position/);

    // Marked (hidden message, badge, metadata) but not perturbed: faces still found.
    await initBackend("wasm");
    const marked = await protectPhotoBytes(await Deno.readFile(plain), {
      layers: { perturbation: false },
      judges: ["blazeface-front"],
    });
    const path = `${dir}/marked.jpg`;
    await Deno.writeFile(path, marked.bytes);
    const second = await runInspect([path, "--json", "--detectors", "blazeface-back,haar"]);
    assert.equal(second.code, 0, second.stderr);
    const report = JSON.parse(second.stdout) as InspectReport;
    checkShape(report);
    assert.deepEqual(Object.keys(report.detectors), ["blazeface-back", "haar"]);
    assert.equal(report.stego.message, DEFAULT_STEGO_MESSAGE);
    assert.equal(report.stego.code?.version, 1);
    assert.ok(report.stego.confidence > 0.5);
    assert.equal(report.metadata.dataMining, "DMI-PROHIBITED");
    assert.equal(report.metadata.usageTerms, DEFAULT_STATEMENT);
    assert.deepEqual(report.metadata.identifying, []);
    assert.match(
      report.verdict,
      /^marked, but faces still found; marks: do-not-process code found \(.+\), metadata \(DMI-PROHIBITED\)/,
    );

    // The human-readable form.
    const text = await runInspect([path, "--detectors", "blazeface-front"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /hidden message: do-not-process code EQAI-DNP\/1, no consent to automated face detection/,
    );
    assert.match(text.stdout, /metadata: Data Mining DMI-PROHIBITED/);
    assert.match(text.stdout, /^verdict: marked, but faces still found/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("inspect refuses bad input in one line with a non-zero exit", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-inspect-bad-" });
  try {
    const bad = await makeBadInputs(dir);
    const cases: [string[], RegExp][] = [
      [[bad.missing], /file not found/],
      [[bad.empty], /file is empty/],
      [[bad.text], /not a JPEG, PNG or WebP image/],
      [[bad.truncated], /corrupt or truncated JPEG/],
      [[bad.huge], /over the limit of 50 megapixels/],
      [[bad.gif], /not a JPEG, PNG or WebP image/],
      [[bad.corruptPng], /corrupt or truncated PNG/],
      [[dir], /is a directory/],
      [[], /give exactly one image/],
      [[SAMPLE_PATHS[0], "--detectors", "yolo"], /unknown detector "yolo"/],
      [[SAMPLE_PATHS[0], "--colour"], /Unknown option '--colour'/],
    ];
    for (const [args, pattern] of cases) {
      const { code, stdout, stderr } = await runInspect(args);
      assert.notEqual(code, 0, args.join(" "));
      assert.equal(stdout, "");
      assert.equal(stderr.trim().split("\n").length, 1, stderr);
      assert.match(stderr, /^inspect: error: /);
      assert.match(stderr, pattern);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
