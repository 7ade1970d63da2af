/**
 * The Haar cascade judge finds the frontal faces of the six samples. Haar also fires on
 * background texture and misses tilted or turned faces, so the test counts its boxes that
 * match a blazeface-back face (IoU >= 0.3: Haar's boxes are square and frame the whole
 * face, blazeface-back's are stretched to the image's aspect and sit on the eyes, so true
 * matches measure 0.44-0.75 and everything else 0.00) and checks the total box counts with
 * a margin. Counts were measured with the defaults (scaleFactor 1.1, minNeighbors 5,
 * longer side 960 px, minSize 30 px).
 */
import assert from "node:assert/strict";
import process from "node:process";
import { initBackend } from "../backend.ts";
import { loadDetector } from "./registry.ts";
import { iou } from "./nms.ts";
import { HAAR_CASCADE_FILE, HaarCascadeDetector } from "./haar_cascade.ts";
import { readSample } from "../testing/fixtures.ts";
import { MODELS_DIR, NODE_MODULES } from "../paths.ts";
import { HashMismatchError, materialize, readManifest } from "../verified_files.ts";
import { SetupError } from "../errors.ts";

/** Haar boxes per sample (1-6), false positives included; asserted within +-2, total +-4. */
const EXPECTED_BOXES = [2, 3, 3, 2, 5, 11];
/** blazeface-back faces per sample that a Haar box matches (of 3, 4, 3, 4, 5, 4). */
const EXPECTED_MATCHED = [1, 2, 3, 1, 4, 4];
/** IoU at which a Haar box matches a reference face. */
const MATCH_IOU = 0.3;

async function tempModelsDir(withCascade: boolean): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "equalais-haar-" });
  await Deno.copyFile(`${MODELS_DIR}/manifest.json`, `${dir}/manifest.json`);
  if (withCascade) {
    await Deno.copyFile(`${MODELS_DIR}/${HAAR_CASCADE_FILE}`, `${dir}/${HAAR_CASCADE_FILE}`);
  }
  return dir;
}

Deno.test("haar finds the reference faces of the six samples", async () => {
  await initBackend("wasm");
  const reference = await loadDetector("blazeface-back");
  const unhandled = process.listenerCount("unhandledRejection");
  const haar = await HaarCascadeDetector.load();
  // opencv-js's emscripten glue adds an abort-on-unhandledRejection listener; it is removed.
  assert.equal(process.listenerCount("unhandledRejection"), unhandled);
  try {
    const boxes: number[] = [];
    const matched: number[] = [];
    for (let i = 1; i <= 6; i++) {
      const image = await readSample(i);
      const faces = await haar.detect(image);
      for (const { box: [x, y, w, h], score } of faces) {
        assert.ok(Math.abs(w - h) < 1e-9 && w >= 59, `sample${i}: box ${[x, y, w, h]}`);
        assert.ok(x >= 0 && y >= 0 && x + w <= image.width + 2 && y + h <= image.height + 2);
        assert.ok(score > haar.threshold && score <= 1, `sample${i}: score ${score}`);
      }
      const references = await reference.detect(image);
      boxes.push(faces.length);
      matched.push(
        references.filter((r) => faces.some((f) => iou(f.box, r.box) >= MATCH_IOU)).length,
      );
    }
    const report = `boxes ${boxes}, matched reference faces ${matched}`;
    matched.forEach((n, i) =>
      assert.ok(n >= EXPECTED_MATCHED[i], `sample${i + 1}: ${report}, expected ${EXPECTED_MATCHED}`)
    );
    boxes.forEach((n, i) =>
      assert.ok(
        Math.abs(n - EXPECTED_BOXES[i]) <= 2,
        `sample${i + 1}: ${report}, expected ${EXPECTED_BOXES} boxes`,
      )
    );
    const total = boxes.reduce((a, b) => a + b, 0);
    const expectedTotal = EXPECTED_BOXES.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - expectedTotal) <= 4, `${report}: ${total} boxes in all`);
  } finally {
    haar.dispose();
  }
});

Deno.test("haar finds nothing in flat or tiny images and refuses malformed ones", async () => {
  const haar = await HaarCascadeDetector.load();
  try {
    const gray = { width: 640, height: 480, data: new Uint8Array(640 * 480 * 3).fill(128) };
    assert.deepEqual(await haar.detect(gray), []);
    const tiny = { width: 16, height: 16, data: new Uint8Array(16 * 16 * 3).fill(200) };
    assert.deepEqual(await haar.detect(tiny), []);
    await assert.rejects(() => haar.detect({ ...gray, data: new Uint8Array(10) }), RangeError);
  } finally {
    haar.dispose();
  }
  await assert.rejects(() => haar.detect({ width: 1, height: 1, data: new Uint8Array(3) }));
});

Deno.test("a missing cascade is a set-up error naming the file; a changed one is refused", async () => {
  const dir = await tempModelsDir(false);
  try {
    await assert.rejects(
      () => HaarCascadeDetector.load({ dir }),
      (error: Error) =>
        error instanceof SetupError &&
        error.message.includes(`${dir}/${HAAR_CASCADE_FILE} is missing`) &&
        error.message.includes("deno task setup"),
    );
    const bytes = await Deno.readFile(`${MODELS_DIR}/${HAAR_CASCADE_FILE}`);
    bytes[5000] ^= 0x01;
    await Deno.writeFile(`${dir}/${HAAR_CASCADE_FILE}`, bytes);
    await assert.rejects(
      () => HaarCascadeDetector.load({ dir }),
      (error: Error) =>
        error instanceof HashMismatchError && error.message.includes(HAAR_CASCADE_FILE),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("materialize copies a debian: entry from its absolute path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-haar-" });
  try {
    const manifest = await readManifest(`${MODELS_DIR}/manifest.json`);
    const entry = manifest.files.find((f) => f.file === HAAR_CASCADE_FILE);
    assert.ok(entry, `${HAAR_CASCADE_FILE} is listed in models/manifest.json`);
    assert.ok(entry.package.startsWith("debian:") && entry.source.startsWith("/"));
    const only = { ...manifest, files: [entry] };
    const copied = await materialize(only, dir, NODE_MODULES);
    assert.deepEqual(copied, [HAAR_CASCADE_FILE]);
    assert.deepEqual(await materialize(only, dir, NODE_MODULES), []);
    const gone = { ...entry, file: "gone.xml", source: "/nonexistent/gone.xml" };
    await assert.rejects(
      () => materialize({ ...manifest, files: [gone] }, dir, NODE_MODULES),
      (error: Error) =>
        error instanceof SetupError && error.message.includes("/nonexistent/gone.xml") &&
        error.message.includes("Debian package opencv-data") &&
        error.message.includes("gone.xml"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
