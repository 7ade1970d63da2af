/**
 * The metadata marks: written by sharp into JPEG, PNG and WebP, read back by exifr (a
 * separate parser), including what identifying fields a file carries.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { encodeImage } from "../image/encode.ts";
import { readSample, resizeImage, SAMPLE_PATHS } from "../testing/fixtures.ts";
import { UserError } from "../errors.ts";
import {
  DATA_MINING_PROHIBITED,
  marksExif,
  marksXmp,
  PLUS_NAMESPACE,
  PLUS_VOCABULARY,
  readMarks,
  RIGHTS_STATEMENT,
} from "./metadata.ts";

const MESSAGE = "Keine automatische Gesichtserkennung für dieses Foto & <no> face recognition, v1";

Deno.test("the marks are read back by exifr from JPEG, PNG and WebP", async () => {
  const photo = await resizeImage(await readSample(1), 160);
  const marks = { message: MESSAGE };
  for (const format of ["jpeg", "png", "webp"] as const) {
    const bytes = await encodeImage(photo, format, {
      exif: marksExif(marks),
      xmp: marksXmp(marks),
    });
    const found = await readMarks(bytes);
    assert.equal(found.dataMining, DATA_MINING_PROHIBITED, format);
    assert.ok(found.dataMiningProhibited, format);
    assert.equal(found.usageTerms, MESSAGE, format);
    assert.equal(found.rights, RIGHTS_STATEMENT, format);
    // EXIF is ASCII: the umlaut loses its dots, the rest is intact.
    assert.equal(found.imageDescription, MESSAGE.replace("ü", "u"), format);
    assert.deepEqual(found.identifying, [], format);
    // The packet names the IPTC property exactly: plus:DataMining with the vocabulary URI.
    const text = new TextDecoder("latin1").decode(bytes);
    assert.ok(text.includes(`xmlns:plus="${PLUS_NAMESPACE}"`), format);
    assert.ok(text.includes(`<plus:DataMining>${PLUS_VOCABULARY}DMI-PROHIBITED</plus:DataMining>`));
  }
});

Deno.test("unmarked photos read as unmarked; identifying fields are named", async () => {
  // The bundled sample is a camera JPEG with a GPS position and camera make and model.
  const sample = await readMarks(await Deno.readFile(SAMPLE_PATHS[0]));
  assert.equal(sample.dataMining, null);
  assert.equal(sample.usageTerms, null);
  assert.ok(!sample.dataMiningProhibited);
  assert.deepEqual(sample.identifying, ["GPS position", "camera make and model"]);
  const tagged = new Uint8Array(
    await sharp(SAMPLE_PATHS[1]).resize({ width: 200 }).jpeg()
      .withExif({
        IFD0: { Artist: "Jane Doe" },
        IFD2: { BodySerialNumber: "SN-123456" },
        IFD3: { GPSLatitudeRef: "N", GPSLatitude: "52/1 31/1 0/1" },
      }).toBuffer(),
  );
  const found = await readMarks(tagged);
  assert.deepEqual(found.identifying, ["GPS position", "artist name", "camera serial number"]);
  const plain = await encodeImage(await resizeImage(await readSample(1), 100), "png");
  assert.deepEqual(await readMarks(plain), {
    dataMining: null,
    dataMiningProhibited: false,
    usageTerms: null,
    rights: null,
    imageDescription: null,
    identifying: [],
  });
});

Deno.test("bad messages and non-images are refused in one line", async () => {
  assert.throws(() => marksXmp({ message: " " }), UserError);
  assert.throws(() => marksExif({ message: "x".repeat(501) }), /at most 500/);
  await assert.rejects(
    readMarks(new TextEncoder().encode("not an image")),
    /not a JPEG, PNG or WebP/,
  );
});
