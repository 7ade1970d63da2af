import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { launchChromium } from "../browser/chromium.ts";
import { DEFAULT_SOURCE_IDS, loadDetector } from "../detectors/registry.ts";
import { decodeImage } from "../image/decode.ts";
import { readMarks } from "../marks/metadata.ts";
import { extractMessage } from "../stego/extract.ts";
import { DEFAULT_STATEMENT, DEFAULT_STEGO_MESSAGE } from "../stego/message.ts";
import { makeBadInputs } from "../testing/bad_inputs.ts";
import { startServer } from "./server.ts";
import { writeSmallSample } from "./test_support.ts";

// One real protection (Standard preset) of a 480-pixel-wide group photo: about 1-3 minutes
// on two cores.
const PROTECTION_TIMEOUT_MS = 8 * 60_000;

Deno.test("page: a photo protected in headless Chromium downloads hidden from the detectors, marked", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-web-e2e-" });
  const server = await startServer({ port: 0 });
  const browser = await launchChromium();
  try {
    const sample = await writeSmallSample(dir, 480, 1);
    const bad = await makeBadInputs(dir);
    await server.ready;
    // A phone-sized window: the page must work there.
    const context = await browser.newContext({
      acceptDownloads: true,
      viewport: { width: 390, height: 844 },
    });
    const page = await context.newPage();
    const requested: string[] = [];
    const problems: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));

    await page.goto(`${server.url}/`);
    await page.locator(".preset").nth(2).waitFor();
    assert.match(await page.locator("#privacy").innerText(), /not stored, not logged/);
    assert.equal(
      await page.locator("input[name=preset]:checked").getAttribute("value"),
      "standard",
    );

    await t.step("bad files show their reason on the page", async () => {
      const cases: [string, RegExp][] = [
        // Refused when uploaded.
        [bad.text, /^Not a JPEG, PNG or WebP photo \(it is a text file\)/],
        [bad.gif, /^Not a JPEG, PNG or WebP photo \(it is a GIF\)/],
        // Accepted, then failing in the protection: the progress stream reports it.
        [bad.truncated, /^Corrupt or truncated JPEG/],
        // Caught in the page before any upload.
        [bad.empty, /^The photo is empty \(0 bytes\)\.$/],
      ];
      const error = page.locator("#error");
      for (const [path, message] of cases) {
        await page.setInputFiles("#file", path);
        if (await page.locator("#protect").isEnabled()) await page.click("#protect");
        await error.waitFor({ state: "visible" });
        assert.match(await error.innerText(), message, path);
        assert.equal(await page.locator("#result").isVisible(), false);
      }
    });

    let downloaded = "";
    await t.step("upload, follow the progress, compare", async () => {
      await page.setInputFiles("#file", sample);
      assert.equal(await page.locator("#error").isVisible(), false, "choosing a file clears it");
      await page.click("#protect");
      // The attack's own progress reaches the page while it runs.
      await page.locator("#progress-text", { hasText: /Step \d+ of at most \d+/ })
        .waitFor({ timeout: PROTECTION_TIMEOUT_MS });
      await page.locator("#result").waitFor({ state: "visible", timeout: PROTECTION_TIMEOUT_MS });
      assert.equal(await page.locator("#error").isVisible(), false);
      const summary = await page.locator("#summary").innerText();
      assert.match(summary, /Protected: none of the attacked detectors finds a face/);
      assert.match(summary, /Change needed: [\d.]+ of at most \d+ grey levels/);
      assert.match(summary, /Hidden message: readable/);
      assert.match(summary, /data mining prohibited/);
      assert.match(summary, /Visible change: SSIM 0\.\d+, PSNR [\d.]+ dB/);
      for (const id of DEFAULT_SOURCE_IDS) {
        assert.match(summary, new RegExp(`${id} \\(attacked\\): 3 faces before, 0 faces after`));
      }
      // Both images of the comparison are shown.
      for (const id of ["#before", "#after"]) {
        const width = await page.locator(id).evaluate((img) =>
          (img as { naturalWidth: number }).naturalWidth
        );
        assert.equal(width, 480, id);
      }
    });

    await t.step("download after confirming", async () => {
      await page.click("#download");
      await page.locator("#confirm").waitFor({ state: "visible" });
      const download = page.waitForEvent("download");
      await page.click("#confirm-download");
      const file = await download;
      assert.equal(file.suggestedFilename(), "sample1-480-protected.jpg");
      downloaded = `${dir}/downloaded.jpg`;
      await file.saveAs(downloaded);
      assert.equal(await page.locator("#confirm").isVisible(), false);
    });

    await t.step("the downloaded file: no faces, metadata mark, hidden message", async () => {
      const bytes = await Deno.readFile(downloaded);
      const image = await decodeImage(bytes);
      assert.deepEqual([image.width, image.height], [480, 320]);
      await initBackend("wasm");
      for (const id of DEFAULT_SOURCE_IDS) {
        const faces = await (await loadDetector(id)).detect(image);
        assert.equal(faces.length, 0, `${id} still finds ${faces.length} faces`);
      }
      const marks = await readMarks(bytes);
      assert.equal(marks.dataMining, "DMI-PROHIBITED");
      assert.equal(marks.imageDescription, DEFAULT_STATEMENT);
      assert.deepEqual(marks.identifying, []);
      const reading = extractMessage(image);
      assert.equal(reading.message, DEFAULT_STEGO_MESSAGE);
    });

    await t.step("the page talked only to its own server, without errors", () => {
      const foreign = requested.filter((url) =>
        !url.startsWith(`${server.url}/`) && !url.startsWith("blob:")
      );
      assert.deepEqual(foreign, []);
      // Chromium logs every refused request; the two refused uploads are the ones expected.
      const expected = /^Failed to load resource: .* status of 415 \(Unsupported Media Type\)$/;
      assert.deepEqual(problems.filter((problem) => !expected.test(problem)), []);
      // The result was handed out once and is gone from the server.
      assert.equal(server.queue.stats().held, 0);
    });
    await context.close();
  } finally {
    await browser.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
