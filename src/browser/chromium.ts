/**
 * Launching headless Chromium with playwright-core, the one way every browser task (the
 * page's end-to-end test, figure export) starts a browser.
 */
import { type Browser, chromium, type LaunchOptions } from "playwright-core";
import { SetupError } from "../errors.ts";
import { CHROMIUM_INSTALL_COMMAND, CHROMIUM_PATH, hasChromium } from "../setup/chromium.ts";

/**
 * Flags for a quiet, offline, sandbox-free headless browser: no GPU on these machines,
 * no background calls home (updates, sync), and no sandbox (tests run as root).
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launches Debian's Chromium headless. Throws a SetupError naming the fix when it is not
 * installed. Close the returned browser when done.
 *
 * @example
 * const browser = await launchChromium();
 * try {
 *   const page = await browser.newPage();
 *   await page.setContent("<p>hello</p>");
 * } finally {
 *   await browser.close();
 * }
 */
export async function launchChromium(options: Omit<LaunchOptions, "executablePath"> = {}): Promise<
  Browser
> {
  if (!(await hasChromium())) {
    throw new SetupError(
      `Chromium is not installed at ${CHROMIUM_PATH}: as root run \`${CHROMIUM_INSTALL_COMMAND}\``,
    );
  }
  return await chromium.launch({
    headless: true,
    ...options,
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS, ...(options.args ?? [])],
  });
}
