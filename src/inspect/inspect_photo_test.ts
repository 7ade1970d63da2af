/**
 * What `inspect` says about hidden messages: the do-not-process code (the default now), the
 * long statement that photos protected before the code carry, and none.
 */
import assert from "node:assert/strict";
import { encodeImage, jpegRoundTrip } from "../image/encode.ts";
import { drawBadge } from "../marks/badge.ts";
import type { MarksFound } from "../marks/metadata.ts";
import { embedMessage } from "../stego/embed.ts";
import { DEFAULT_STATEMENT, DEFAULT_STEGO_MESSAGE } from "../stego/message.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { inspectPhoto, readDoNotProcess, verdict } from "./inspect_photo.ts";

const NO_MARKS: MarksFound = {
  dataMining: null,
  dataMiningProhibited: false,
  usageTerms: null,
  rights: null,
  imageDescription: null,
  identifying: [],
};

Deno.test("inspect reads the do-not-process code and says what it means", async () => {
  // A 256 px wide photo with the badge on, sent around as JPEG q75.
  const photo = await resizeImage(await readSample(1), 256);
  const marked = await drawBadge(embedMessage(photo));
  const bytes = await encodeImage(await jpegRoundTrip(marked, 75), "jpeg", { quality: 95 });
  const report = await inspectPhoto(bytes, { detectors: [] });
  assert.equal(report.stego.message, "EQAI-DNP/1");
  assert.ok(report.stego.confidence > 0.3, `${report.stego.confidence}`);
  assert.deepEqual(report.stego.code, {
    version: 1,
    meaning: "no consent to automated face detection or recognition",
  });
  assert.match(
    report.verdict,
    /^protected; marks: do-not-process code found \(no consent to automated face detection or recognition\)/,
  );
});

Deno.test("inspect still reads photos protected with the old long message (text frame v1)", async () => {
  const photo = await resizeImage(await readSample(2), 480);
  const old = embedMessage(photo, DEFAULT_STATEMENT);
  const bytes = await encodeImage(await jpegRoundTrip(old, 75), "jpeg", { quality: 95 });
  const report = await inspectPhoto(bytes, { detectors: [] });
  assert.equal(
    report.stego.message,
    "No consent to automated face detection or recognition of this image. EqualAIs stego v1",
  );
  assert.equal(report.stego.code, null);
  assert.match(report.verdict, /^protected; marks: hidden message;/);

  const plain = await inspectPhoto(await encodeImage(photo, "png"), { detectors: [] });
  assert.deepEqual(plain.stego, { message: null, confidence: 0, code: null });
  assert.match(plain.verdict, /^no faces found; no EqualAIs marks/);
});

Deno.test("the verdict names the code, an unknown code version, or a text", () => {
  // The attacked source detector finds nothing; another one still finds a face.
  const faces = { "blazeface-back": 0, haar: 1 };
  assert.equal(
    verdict(
      { ...NO_MARKS, dataMining: "DMI-PROHIBITED", dataMiningProhibited: true },
      DEFAULT_STEGO_MESSAGE,
      faces,
    ),
    "protected; marks: do-not-process code found (no consent to automated " +
      "face detection or recognition), metadata (DMI-PROHIBITED); faces found by 1 of 2 " +
      "detectors (haar)",
  );
  assert.match(
    verdict(NO_MARKS, "EQAI-DNP/3", faces),
    /do-not-process code found \(a do-not-process request of version 3/,
  );
  assert.match(verdict(NO_MARKS, "please do not", faces), /marks: hidden message;/);
  assert.equal(readDoNotProcess(null), null);
  assert.equal(readDoNotProcess("EQAI-DNP/1 "), null);
});
