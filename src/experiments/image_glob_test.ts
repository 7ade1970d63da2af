/**
 * Image globs: `**` and braces (which the old last-segment matcher lacked), sorted matches
 * per pattern, duplicates counted once, and one clear error for a missing file or a
 * pattern that matches nothing.
 */
import assert from "node:assert/strict";
import { expandImages } from "./image_glob.ts";

Deno.test("image globs: ** and braces match across folders, sorted, each path once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-glob-" });
  try {
    for (const path of ["a.jpg", "b.png", "c.txt", "x/d.jpg", "x/y/e.jpg", "x/y/f.webp"]) {
      await Deno.mkdir(`${dir}/${path}`.replace(/\/[^/]+$/, ""), { recursive: true });
      await Deno.writeTextFile(`${dir}/${path}`, path);
    }
    assert.deepEqual(expandImages([`${dir}/**/*.jpg`]), [
      `${dir}/a.jpg`,
      `${dir}/x/d.jpg`,
      `${dir}/x/y/e.jpg`,
    ]);
    assert.deepEqual(expandImages([`${dir}/*.{jpg,png}`]), [`${dir}/a.jpg`, `${dir}/b.png`]);
    assert.deepEqual(expandImages([`${dir}/x/y/*`, `${dir}/a.jpg`, `${dir}/x/**/e.jpg`]), [
      `${dir}/x/y/e.jpg`,
      `${dir}/x/y/f.webp`,
      `${dir}/a.jpg`,
    ]);
    assert.throws(
      () => expandImages([`${dir}/**/*.gif`]),
      /config field "images": ".*\*\*\/\*\.gif" matches no file/,
    );
    assert.throws(() => expandImages([`${dir}/nope.jpg`]), /"[^"]*nope\.jpg": no such file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
