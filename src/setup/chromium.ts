/**
 * Headless Chromium for the browser tests and the figure export: Debian's `chromium`
 * package, installed by `deno task setup` when running as root with apt-get. Playwright's
 * own browser download is not used: it fetches from a host outside the package registries.
 */
import { aptInstall, hasAptGet } from "./apt.ts";

/**
 * The Chromium binary every browser task launches. Debian's `/usr/bin/chromium` is a
 * wrapper script that adds flags and noise; the binary behind it is launched directly.
 * `EQUALAIS_CHROMIUM` points elsewhere (another distribution's Chromium or Chrome).
 */
export const CHROMIUM_PATH: string = Deno.env.get("EQUALAIS_CHROMIUM") ??
  "/usr/lib/chromium/chromium";

/** The command that installs Chromium by hand, for messages. */
export const CHROMIUM_INSTALL_COMMAND = "apt-get install -y --no-install-recommends chromium";

/** Whether the Chromium binary is present and is a file. */
export async function hasChromium(): Promise<boolean> {
  try {
    return (await Deno.stat(CHROMIUM_PATH)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Installs Debian's `chromium` unless the binary is already there. Without root and
 * apt-get it only says how to install it; the browser tests then fail with the same advice.
 */
export async function ensureChromium(): Promise<void> {
  if (await hasChromium()) {
    console.error(`setup: Chromium: present (${CHROMIUM_PATH})`);
    return;
  }
  if (Deno.uid() !== 0 || !(await hasAptGet())) {
    console.error(
      `setup: Chromium: not installed; as root run \`${CHROMIUM_INSTALL_COMMAND}\` ` +
        "(the browser test and figure export need it)",
    );
    return;
  }
  await aptInstall(["chromium"]);
  if (!(await hasChromium())) {
    throw new Error(`Debian's chromium package installed, but ${CHROMIUM_PATH} is missing`);
  }
}
