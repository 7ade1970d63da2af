/**
 * The visible badge: real text renders (not empty boxes), only the badge's corner changes,
 * its text region is legible (light glyphs on a dark pill), and options are checked.
 */
import assert from "node:assert/strict";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import {
  BADGE_POSITIONS,
  badgeBox,
  type Box,
  drawBadge,
  measureText,
  textRenders,
} from "./badge.ts";
import { UserError } from "../errors.ts";

function changedBounds(a: RgbImage, b: RgbImage): Box | undefined {
  let minX = Infinity, minY = Infinity, maxX = -1, maxY = -1;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * 3;
      if (
        a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] ||
        a.data[i + 2] !== b.data[i + 2]
      ) {
        minX = Math.min(minX, x);
        minY = Math.min(minY, y);
        maxX = Math.max(maxX, x);
        maxY = Math.max(maxY, y);
      }
    }
  }
  return maxX < 0
    ? undefined
    : { left: minX, top: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

Deno.test("text renders as real glyphs on this machine (set-up installed a font)", async () => {
  assert.ok(await textRenders(), "narrow and wide letters render the same: no usable font");
  const short = await measureText("No", 20);
  const long = await measureText("No face recognition", 20);
  assert.ok(short > 10 && long > short * 4, `widths ${short} and ${long}`);
});

Deno.test("the badge changes only its corner, and its text is legible", async () => {
  const photo = await resizeImage(await readSample(2), 640);
  for (const position of BADGE_POSITIONS) {
    const marked = await drawBadge(photo, { position });
    const box = await badgeBox(photo.width, photo.height, { position });
    assert.ok(box, position);
    const changed = changedBounds(photo, marked);
    assert.ok(changed, `${position}: nothing drawn`);
    // Everything that changed lies inside the badge's box...
    assert.ok(
      changed.left >= box.left && changed.top >= box.top,
      `${position}: ${JSON.stringify(changed)}`,
    );
    assert.ok(changed.left + changed.width <= box.left + box.width);
    assert.ok(changed.top + changed.height <= box.top + box.height);
    // ...which sits in the asked-for corner and is small.
    const right = position.endsWith("right"), bottom = position.startsWith("bottom");
    assert.equal(box.left + box.width / 2 > photo.width / 2, right, position);
    assert.equal(box.top + box.height / 2 > photo.height / 2, bottom, position);
    assert.ok(box.width * box.height < photo.width * photo.height * 0.05, `${position}: too big`);
    // The text band (right of the icon) holds light glyphs on a dark pill: strong contrast.
    const lumas: number[] = [];
    for (let y = box.top + Math.round(box.height * 0.25); y < box.top + box.height * 0.75; y++) {
      for (let x = box.left + box.height * 1.1; x < box.left + box.width - box.height * 0.4; x++) {
        const i = (y * photo.width + Math.round(x)) * 3;
        lumas.push(
          0.299 * marked.data[i] + 0.587 * marked.data[i + 1] + 0.114 * marked.data[i + 2],
        );
      }
    }
    lumas.sort((a, b) => a - b);
    const dark = lumas[Math.floor(lumas.length * 0.1)];
    const light = lumas[Math.floor(lumas.length * 0.95)];
    assert.ok(light - dark > 110, `${position}: glyphs ${light} against background ${dark}`);
    assert.ok(light > 180, `${position}: glyphs not light (${light})`);
  }
});

Deno.test("badge text, size and opacity follow the options", async () => {
  const photo = await resizeImage(await readSample(1), 640);
  const small = await badgeBox(photo.width, photo.height, { size: 0.04 });
  const large = await badgeBox(photo.width, photo.height, { size: 0.08 });
  assert.ok(small && large && large.height > small.height * 1.6);
  const short = await badgeBox(photo.width, photo.height, { text: "No AI" });
  assert.ok(short && short.width < small.width);
  const faint = await drawBadge(photo, { opacity: 0.3 });
  const solid = await drawBadge(photo, { opacity: 1 });
  const box = (await badgeBox(photo.width, photo.height))!;
  const centre = ((box.top + Math.round(box.height / 2)) * photo.width + box.left + 3) * 3;
  // At the pill's left end the dark background shows through less when fainter.
  const diff = (image: RgbImage) => Math.abs(image.data[centre] - photo.data[centre]);
  assert.ok(diff(solid) > diff(faint), `${diff(solid)} vs ${diff(faint)}`);
  // A photo too small for a legible badge is left unchanged.
  const tiny = await resizeImage(photo, 24);
  assert.deepEqual((await drawBadge(tiny)).data, tiny.data);
});

Deno.test("bad badge options are refused with the option named", async () => {
  const photo = await resizeImage(await readSample(1), 200);
  const cases: [object, RegExp][] = [
    [{ text: "  " }, /badge text is empty/],
    [{ text: "x".repeat(61) }, /at most 60 fit/],
    [{ position: "middle" }, /unknown badge position "middle"; choose from bottom-right/],
    [{ size: 0.5 }, /badge size must be between 0.02 and 0.2/],
    [{ opacity: 0 }, /badge opacity must be between 0.1 and 1/],
  ];
  for (const [options, pattern] of cases) {
    await assert.rejects(
      drawBadge(photo, options),
      (e: Error) => e instanceof UserError && pattern.test(e.message),
    );
  }
});
