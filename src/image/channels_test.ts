/** Channels run real encoders and resamplers, compose, and reject unknown names. */
import assert from "node:assert/strict";
import sharp from "sharp";
import { applyChannel, halveByArea, parseChannel } from "./channels.ts";
import { readSample } from "../testing/fixtures.ts";
import { psnr } from "../metrics/psnr.ts";
import type { RgbImage } from "./rgb_image.ts";

Deno.test("each channel changes the photo as its name says", async () => {
  const image = await readSample(1);
  const j95 = await applyChannel(image, "jpeg95");
  const j50 = await applyChannel(image, "jpeg50");
  assert.deepEqual([j95.width, j95.height], [1920, 1280]);
  assert.ok(psnr(image, j95) > psnr(image, j50), "lower quality loses more");
  assert.equal(psnr(image, await applyChannel(image, "identity")), Infinity);
  for (const name of ["half-area", "half-lanczos", "half-area+jpeg75"]) {
    const half = await applyChannel(image, name);
    assert.deepEqual([half.width, half.height], [960, 640], name);
  }
  const social = await applyChannel(image, "social");
  assert.deepEqual([social.width, social.height], [1920, 1280]);
});

Deno.test("half-area averages 2x2 blocks", () => {
  const image = {
    width: 2,
    height: 2,
    data: new Uint8Array([0, 0, 0, 10, 10, 10, 20, 20, 20, 30, 30, 30]),
  };
  assert.deepEqual([...halveByArea(image).data], [15, 15, 15]);
});

Deno.test("unknown channel names are refused, naming the part", () => {
  assert.deepEqual(parseChannel("half-area+jpeg75"), ["half-area", "jpeg75"]);
  assert.throws(() => parseChannel("jpeg75+blur"), /unknown channel "blur"/);
});

// Lanczos-3 halving of one row, written from the kernel's definition: output pixel i is
// centred on input 2i + 0.5, the kernel sinc(t) sinc(t / 3) is stretched by 2, weights
// sum to 1, edges repeat. libvips computes the same in fixed point.
function lanczosHalve(row: number[]): number[] {
  const lanczos = (t: number) => {
    if (t === 0) return 1;
    if (Math.abs(t) >= 3) return 0;
    const p = Math.PI * t;
    return (3 * Math.sin(p) * Math.sin(p / 3)) / (p * p);
  };
  const out: number[] = [];
  for (let i = 0; i < Math.round(row.length / 2); i++) {
    const centre = 2 * i + 0.5;
    let sum = 0;
    let total = 0;
    for (let j = Math.floor(centre - 6); j <= Math.ceil(centre + 6); j++) {
      const w = lanczos((j - centre) / 2);
      sum += w * row[Math.min(row.length - 1, Math.max(0, j))];
      total += w;
    }
    out.push(sum / total);
  }
  return out;
}

// 40x24: a vertical ramp, a flat 200 band, then a textured band; hard edges in between.
function edges(): RgbImage {
  const width = 40;
  const height = 24;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        data[(y * width + x) * 3 + c] = x < 13
          ? 40 + 2 * y
          : x < 27
          ? 200
          : 90 + ((x * 37 + y * 11 + c * 5) % 50);
      }
    }
  }
  return { width, height, data };
}

Deno.test("half-lanczos is a Lanczos-3 halving: within one grey level of the definition", async () => {
  const image = edges();
  const half = await applyChannel(image, "half-lanczos");
  assert.deepEqual([half.width, half.height], [20, 12]);
  // Separable: rows, then columns of the halved rows.
  const reference = new Float64Array(half.width * half.height * 3);
  for (let c = 0; c < 3; c++) {
    const rows = Array.from({ length: image.height }, (_, y) =>
      lanczosHalve(
        Array.from({ length: image.width }, (_, x) => image.data[(y * image.width + x) * 3 + c]),
      ));
    for (let x = 0; x < half.width; x++) {
      const column = lanczosHalve(rows.map((row) => row[x]));
      column.forEach((v, y) => reference[(y * half.width + x) * 3 + c] = v);
    }
  }
  const area = halveByArea(image);
  let lanczosError = 0;
  let areaError = 0;
  for (let i = 0; i < reference.length; i++) {
    const expected = Math.min(255, Math.max(0, Math.round(reference[i])));
    lanczosError = Math.max(lanczosError, Math.abs(half.data[i] - expected));
    areaError = Math.max(areaError, Math.abs(area.data[i] - expected));
  }
  assert.ok(lanczosError <= 1, `largest difference from the definition ${lanczosError}`);
  // A box filter would not pass for it (measured: 13 grey levels off at the edges).
  assert.ok(areaError >= 10, `half-area is ${areaError} from Lanczos`);
  // Lanczos rings at a hard edge: output row 6 (input rows 12-13, ramp at 64-66, then 200)
  // dips below 64 and rises above 200 next to the edge, which no averaging filter can do.
  const row = Array.from({ length: half.width }, (_, x) => half.data[(6 * half.width + x) * 3]);
  assert.ok(Math.min(...row.slice(0, 7)) < 64, `no undershoot in ${row}`);
  assert.ok(Math.max(...row.slice(6, 13)) > 200, `no overshoot in ${row}`);
});

// What the social channel promises, computed with sharp directly: a Lanczos-3 resize to a
// long side of 2048 when larger, then JPEG at quality 85, decoded.
async function sharpSocial(image: RgbImage): Promise<RgbImage> {
  const raw = { width: image.width, height: image.height, channels: 3 as const };
  let pipeline = sharp(image.data, { raw });
  if (Math.max(image.width, image.height) > 2048) {
    const resized = await pipeline.resize({
      width: image.width >= image.height ? 2048 : undefined,
      height: image.height > image.width ? 2048 : undefined,
      kernel: "lanczos3",
    }).raw().toBuffer({ resolveWithObject: true });
    pipeline = sharp(resized.data, { raw: { ...resized.info, channels: 3 } });
  }
  const jpeg = await pipeline.jpeg({ quality: 85 }).toBuffer();
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

// Bytes that differ (a count, not a diff: assert's diff of megabyte arrays exhausts memory).
function differing(a: RgbImage, b: RgbImage): number {
  assert.equal(a.data.length, b.data.length);
  let count = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) count++;
  return count;
}

Deno.test("social re-encodes at JPEG 85, after a Lanczos resize to 2048 when larger", async () => {
  const photo = await readSample(1); // 1920x1280: no resize
  const social = await applyChannel(photo, "social");
  const expected = await sharpSocial(photo);
  // Measured 47.4 dB; an identity channel gives Infinity.
  assert.ok(psnr(photo, social) < 50, `the photo was not re-encoded: ${psnr(photo, social)} dB`);
  assert.equal(differing(social, expected), 0, "JPEG 85 of the photo itself");
  assert.ok(differing(social, await applyChannel(photo, "jpeg75")) > 0, "same as JPEG 75");
  // Larger photos, landscape and portrait, made from the sample by sharp's own upscale.
  for (const [width, height] of [[2400, 1600], [1600, 2400]]) {
    const { data } = await sharp(photo.data, { raw: { width: 1920, height: 1280, channels: 3 } })
      .resize({ width, height, fit: "fill" }).raw().toBuffer({ resolveWithObject: true });
    const large = { width, height, data: new Uint8Array(data) };
    const out = await applyChannel(large, "social");
    const reference = await sharpSocial(large);
    assert.deepEqual([out.width, out.height], width > height ? [2048, 1365] : [1365, 2048]);
    assert.deepEqual([reference.width, reference.height], [out.width, out.height]);
    assert.equal(differing(out, reference), 0, `${width}x${height}`);
  }
});
