/**
 * A photo whose metadata block is damaged is still protected, but the report (and, from
 * protectFile, stderr) says that the input's metadata could not be read fully, instead
 * of reporting that nothing identifying was removed. Fast: no attack, no judge.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { readMarks } from "../marks/metadata.ts";
import { protectPhotoBytes } from "./filter.ts";
import { getPreset, presetPerturbOptions } from "./presets.ts";
import { protectFile } from "./protect_file.ts";

const le16 = (n: number) => [n & 255, n >> 8];
const le32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255];

/**
 * A 256x256 JPEG whose EXIF holds one tag, the camera make "Canon", written by hand:
 * TIFF header (8 bytes), IFD0 with one entry (2 + 12 + 4 bytes), then the text at
 * offset 26. With `damaged`, the entry points the text 2 GB past the end of the block.
 */
async function jpegWithMake(damaged: boolean): Promise<Uint8Array> {
  const plain = new Uint8Array(
    await sharp({ create: { width: 256, height: 256, channels: 3, background: "#8a7560" } })
      .jpeg().toBuffer(),
  );
  const tiff = [
    ...new TextEncoder().encode("II*\0"),
    ...le32(8),
    ...le16(1),
    ...le16(0x010f), // Make
    ...le16(2), // ASCII
    ...le32(6),
    ...le32(damaged ? 0x7ffffff0 : 26),
    ...le32(0),
    ...new TextEncoder().encode("Canon\0"),
  ];
  const payload = [...new TextEncoder().encode("Exif\0\0"), ...tiff];
  const segment = [0xff, 0xe1, ...[(payload.length + 2) >> 8, (payload.length + 2) & 255]];
  // Right after the SOI marker, where cameras write it.
  return new Uint8Array([...plain.subarray(0, 2), ...segment, ...payload, ...plain.subarray(2)]);
}

const FAST = { layers: { perturbation: false }, judges: [] };

Deno.test("damaged input metadata is reported, not passed off as nothing removed", async () => {
  const intact = await protectPhotoBytes(await jpegWithMake(false), FAST);
  assert.equal(intact.report.input_metadata_error, null);
  assert.deepEqual(intact.report.removed_metadata, ["camera make and model"]);
  assert.deepEqual(intact.report.notes, []);

  const damaged = await protectPhotoBytes(await jpegWithMake(true), FAST);
  assert.match(
    damaged.report.input_metadata_error ?? "",
    /^metadata cannot be read \(Invalid TIFF value offset\. block: IFD0, tag: 10f/,
  );
  assert.deepEqual(damaged.report.removed_metadata, []);
  assert.equal(damaged.report.notes.length, 1);
  assert.match(
    damaged.report.notes[0],
    /^the input's metadata could not be read fully \(metadata cannot be read .*\): the list of removed identifying fields may be incomplete; the output carries none of the input's metadata$/,
  );
  // The output's own metadata is whole: the damaged block did not travel.
  const written = await readMarks(damaged.bytes, { strict: true });
  assert.equal(written.dataMining, "DMI-PROHIBITED");
  assert.deepEqual(written.identifying, []);
});

Deno.test("protectFile says so on stderr, naming the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-metadata-" });
  const printed: string[] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => printed.push(args.join(" "));
  try {
    const input = `${dir}/damaged.jpg`;
    await Deno.writeFile(input, await jpegWithMake(true));
    const report = await protectFile(input, `${dir}/out.jpg`, {
      ...presetPerturbOptions(getPreset("standard")),
      layers: { perturbation: false },
      judges: [],
      backend: "wasm",
    });
    assert.match(report.input_metadata_error ?? "", /^metadata cannot be read/);
    assert.equal(printed.length, 1, printed.join("\n"));
    assert.match(
      printed[0],
      new RegExp(
        `^warning: ${dir}/damaged\\.jpg: its metadata could not be read fully \\(metadata ` +
          "cannot be read .*\\), so the identifying fields reported as removed may be incomplete$",
      ),
    );
  } finally {
    console.error = error;
    await Deno.remove(dir, { recursive: true });
  }
});
