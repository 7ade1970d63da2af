/**
 * Profile-picture sizes end to end, with the attack: a 128x128 and a 256x256 portrait are
 * protected with the defaults into JPEG files on which no attacked detector finds a face,
 * also after JPEG q75, and which carry the do-not-process code through q75 for `inspect`.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { initBackend } from "../backend.ts";
import { DEFAULT_SOURCE_IDS } from "../detectors/registry.ts";
import { encodeImage, jpegRoundTrip } from "../image/encode.ts";
import { decodeImage } from "../image/decode.ts";
import { inspectPhoto } from "../inspect/inspect_photo.ts";
import { DEV_DIR } from "../paths.ts";
import { DEFAULT_STEGO_MESSAGE } from "../stego/message.ts";
import { protectPhotoBytes } from "./filter.ts";
import { VISIBLE_SSIM } from "./visibility_note.ts";

// A real portrait from the development set (data/dev, installed by set-up), face centred.
const PORTRAIT = `${DEV_DIR}/tom-cruise-2014.jpg`;

for (const side of [128, 256]) {
  Deno.test(`a ${side}x${side} portrait is protected and its code survives JPEG q75`, async () => {
    await initBackend("wasm");
    const input = new Uint8Array(
      await sharp(PORTRAIT).resize(side, side, { fit: "cover", position: "top" })
        .jpeg({ quality: 92 }).toBuffer(),
    );
    const { bytes, report } = await protectPhotoBytes(input, { format: "jpeg" });
    for (const id of DEFAULT_SOURCE_IDS) {
      assert.ok(report.faces[id].clean >= 1, `${id} finds no face on the clean ${side} px photo`);
    }
    assert.equal(report.fully_protected, true, JSON.stringify(report.faces));
    assert.equal(report.verdict_note, null);
    assert.equal(report.stego?.after_jpeg75.message, DEFAULT_STEGO_MESSAGE);
    // A change SSIM calls visible is said in the notes, with the larger-copy advice here.
    const visible = report.notes.find((note) => note.startsWith("the change may be visible"));
    assert.equal(
      visible !== undefined,
      report.ssim < VISIBLE_SSIM,
      `SSIM ${report.ssim}: ${visible}`,
    );
    if (visible) assert.match(visible, /protect that one instead$/);
    // inspect reads the code, and no attacked detector's face, from the q75 re-encode.
    // (as PNG: a second lossy encode would be another channel than the one judged)
    const reencoded = await encodeImage(await jpegRoundTrip(await decodeImage(bytes), 75), "png");
    const inspected = await inspectPhoto(reencoded, { detectors: DEFAULT_SOURCE_IDS });
    assert.equal(inspected.stego.code?.version, 1);
    for (const id of DEFAULT_SOURCE_IDS) assert.equal(inspected.detectors[id], 0, id);
    assert.match(inspected.verdict, /do-not-process code found/);
  });
}
