import assert from "node:assert/strict";
import { launchChromium } from "./chromium.ts";

Deno.test("launchChromium runs a page's script in headless Chromium", async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setContent("<p id='x'>2</p><script>document.title = String(6 * 7)</script>");
    assert.equal(await page.title(), "42");
    assert.match(browser.version(), /^\d+\./);
  } finally {
    await browser.close();
  }
});
