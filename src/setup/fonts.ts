/**
 * Fonts for the visible badge. sharp's libvips renders SVG text through Pango and
 * fontconfig, which find no font on a bare Debian machine and then draw empty boxes.
 * Set-up installs Debian's DejaVu fonts (and fontconfig's configuration) as root, then
 * checks in a fresh process that real glyphs come out.
 */
import { PROJECT_ROOT } from "../paths.ts";
import { textRenders } from "../marks/badge.ts";
import { aptInstall, hasAptGet } from "./apt.ts";

/** Debian packages that give fontconfig a configuration and the badge its font. */
export const FONT_PACKAGES = ["fonts-dejavu-core", "fontconfig-config"];

/** Checks text rendering in a new process, so fonts installed meanwhile are seen. */
async function textRendersInFreshProcess(): Promise<boolean> {
  const url = new URL("../marks/badge.ts", import.meta.url).href;
  const { success } = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { textRenders } from ${
        JSON.stringify(url)
      }; Deno.exit((await textRenders()) ? 0 : 1);`,
    ],
    cwd: PROJECT_ROOT,
    stdout: "null",
    stderr: "null",
  }).output();
  return success;
}

/**
 * Makes sure the badge's text renders. As root with apt-get it installs the fonts;
 * otherwise it says how, and the badge would show boxes instead of letters.
 */
export async function ensureFonts(): Promise<void> {
  if (await textRenders()) {
    console.error("setup: badge fonts: text renders");
    return;
  }
  const command = `apt-get install -y --no-install-recommends ${FONT_PACKAGES.join(" ")}`;
  if (Deno.uid() !== 0 || !(await hasAptGet())) {
    console.error(
      `setup: badge fonts: no usable font; as root run \`${command}\` (the visible badge needs it)`,
    );
    return;
  }
  await aptInstall(FONT_PACKAGES);
  if (!(await textRendersInFreshProcess())) {
    throw new Error(
      `installed ${FONT_PACKAGES.join(", ")}, but the badge's text still does not render`,
    );
  }
  console.error("setup: badge fonts: installed, text renders");
}
