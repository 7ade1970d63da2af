/**
 * The visible mark: a small, calm badge in a corner of the photo that tells people the
 * person pictured does not consent to face recognition. Rendered as SVG text by sharp
 * (librsvg, Pango and fontconfig inside sharp's libvips) and alpha-blended onto the photo.
 * `deno task setup` installs the DejaVu fonts it uses and checks that text really renders.
 */
import { Buffer } from "node:buffer";
import sharp from "sharp";
import { SetupError, UserError } from "../errors.ts";
import type { RgbImage } from "../image/rgb_image.ts";

/** Corners the badge can sit in. */
export const BADGE_POSITIONS = ["bottom-right", "bottom-left", "top-right", "top-left"] as const;

/** A corner of the photo. */
export type BadgePosition = typeof BADGE_POSITIONS[number];

/** How the badge looks and where it goes. */
export interface BadgeOptions {
  /** Text on the badge (default "No face recognition"), at most 60 characters. */
  text?: string;
  /** Corner (default bottom-right). */
  position?: BadgePosition;
  /** Badge height as a share of the photo's short side, 0.02..0.2 (default 0.05). */
  size?: number;
  /** Opacity of the whole badge, 0.1..1 (default 0.85). */
  opacity?: number;
}

/** The defaults every entry point shares. */
export const BADGE_DEFAULTS: Readonly<Required<BadgeOptions>> = {
  text: "No face recognition",
  position: "bottom-right",
  size: 0.05,
  opacity: 0.85,
};

/** Font families asked for, in order; DejaVu Sans is what set-up installs on Debian. */
export const BADGE_FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif";

/** Whether text renders, checked once per process. */
let fontCheck: Promise<boolean> | undefined;

/** Smallest badge height in pixels: below this its text stops being legible. */
const MIN_HEIGHT_PX = 18;

/**
 * Most of the photo a badge may cover. A legible badge on a 128x128 photo spans 90% of its
 * width (12% of its area): it hid the chin the perturbation needed, and BlazeFace back took
 * its crossed-out face icon for a face. Smaller photos carry the code and metadata instead.
 */
const MAX_AREA_SHARE = 0.05;

/** A rectangle in image pixels. */
export interface Box {
  /** Left edge. */
  left: number;
  /** Top edge. */
  top: number;
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

/** Checks badge options and fills in defaults; throws a UserError naming a bad option. */
export function resolveBadgeOptions(options: BadgeOptions = {}): Required<BadgeOptions> {
  const resolved = { ...BADGE_DEFAULTS, ...stripUndefined(options) };
  const text = resolved.text.trim();
  if (text.length === 0) throw new UserError("badge text is empty");
  if (text.length > 60) {
    throw new UserError(`badge text is ${text.length} characters long; at most 60 fit on a badge`);
  }
  if ([...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    throw new UserError("badge text contains control characters");
  }
  if (!BADGE_POSITIONS.includes(resolved.position)) {
    throw new UserError(
      `unknown badge position "${resolved.position}"; choose from ${BADGE_POSITIONS.join(", ")}`,
    );
  }
  if (!(Number.isFinite(resolved.size) && resolved.size >= 0.02 && resolved.size <= 0.2)) {
    throw new UserError(
      `badge size must be between 0.02 and 0.2 of the short side, got ${resolved.size}`,
    );
  }
  if (!(Number.isFinite(resolved.opacity) && resolved.opacity >= 0.1 && resolved.opacity <= 1)) {
    throw new UserError(`badge opacity must be between 0.1 and 1, got ${resolved.opacity}`);
  }
  return { ...resolved, text };
}

/**
 * Draws the badge onto a copy of the photo.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readImage } from "../image/decode.ts";
 * import { badgeBox, drawBadge } from "./badge.ts";
 * const photo = await readImage("data/dev/aksel-andersson-w256.jpg");
 * const badged = await drawBadge(photo, { position: "bottom-right" });
 * const box = await badgeBox(photo.width, photo.height, { position: "bottom-right" });
 * assert.ok(box && box.top > photo.height / 2 && box.left > photo.width / 2);
 * // Only the badge's corner changes: the rows above it are the photo's own.
 * const above = 3 * photo.width * box.top;
 * assert.deepEqual(badged.data.subarray(0, above), photo.data.subarray(0, above));
 * assert.notDeepEqual(badged.data, photo.data);
 * ```
 */
export async function drawBadge(image: RgbImage, options: BadgeOptions = {}): Promise<RgbImage> {
  const resolved = resolveBadgeOptions(options);
  fontCheck ??= textRenders();
  if (!(await fontCheck)) {
    fontCheck = undefined; // check again next time: set-up may have run meanwhile
    throw new SetupError("no usable font for the badge's text (letters render as empty boxes)");
  }
  const layout = await layoutBadge(image.width, image.height, resolved);
  if (!layout) return image; // too small a photo to carry a legible badge
  const svg = badgeSvg(resolved.text, layout, resolved.opacity);
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .composite([{
      input: Buffer.from(svg),
      left: layout.box.left,
      top: layout.box.top,
    }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== image.width || info.height !== image.height || info.channels !== 3) {
    throw new Error(`badge changed the photo to ${info.width}x${info.height}x${info.channels}`);
  }
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** Where the badge goes on a photo of this size, or undefined when it would not fit. */
export async function badgeBox(
  width: number,
  height: number,
  options: BadgeOptions = {},
): Promise<Box | undefined> {
  return (await layoutBadge(width, height, resolveBadgeOptions(options)))?.box;
}

interface Layout {
  box: Box;
  fontSize: number;
  textWidth: number;
}

async function layoutBadge(
  width: number,
  height: number,
  options: Required<BadgeOptions>,
): Promise<Layout | undefined> {
  const shortSide = Math.min(width, height);
  let badgeHeight = Math.max(MIN_HEIGHT_PX, Math.round(shortSide * options.size));
  const margin = () => Math.max(2, Math.round(badgeHeight * 0.4));
  // Shrink until the badge fits within 90% of the photo's width.
  for (;;) {
    const fontSize = Math.round(badgeHeight * 0.52);
    const textWidth = await measureText(options.text, fontSize);
    const badgeWidth = Math.ceil(badgeHeight * 1.45 + textWidth);
    if (
      badgeWidth <= width * 0.9 && badgeHeight + 2 * margin() <= height &&
      badgeWidth * badgeHeight <= MAX_AREA_SHARE * width * height
    ) {
      const m = margin();
      const right = options.position.endsWith("right");
      const bottom = options.position.startsWith("bottom");
      const box = {
        left: right ? width - m - badgeWidth : m,
        top: bottom ? height - m - badgeHeight : m,
        width: badgeWidth,
        height: badgeHeight,
      };
      return { box, fontSize, textWidth };
    }
    if (badgeHeight <= MIN_HEIGHT_PX) return undefined;
    badgeHeight = Math.max(MIN_HEIGHT_PX, Math.floor(badgeHeight * 0.85));
  }
}

/** The badge as SVG: a rounded dark pill, a crossed-out face icon, light text. */
function badgeSvg(text: string, layout: Layout, opacity: number): string {
  const { box, fontSize, textWidth } = layout;
  const h = box.height;
  const r = h / 2;
  const icon = h * 0.3; // icon radius
  const cx = h * 0.55;
  const cy = h / 2;
  const stroke = Math.max(1, h * 0.06);
  const textX = h * 1.05;
  // The baseline sits so the text's x-height is centred in the pill.
  const baseline = h / 2 + fontSize * 0.36;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${box.width}" height="${h}">
  <g opacity="${opacity}">
  <rect x="0" y="0" width="${box.width}" height="${h}" rx="${r}" ry="${r}" fill="#1d2430" fill-opacity="0.9"/>
  <g fill="none" stroke="#f4f1ea" stroke-width="${stroke}" stroke-linecap="round">
    <circle cx="${cx}" cy="${cy}" r="${icon}"/>
    <line x1="${cx - icon * 0.72}" y1="${cy + icon * 0.72}" x2="${cx + icon * 0.72}" y2="${
    cy - icon * 0.72
  }"/>
  </g>
  <g fill="#f4f1ea">
    <circle cx="${cx - icon * 0.36}" cy="${cy - icon * 0.22}" r="${stroke * 0.8}"/>
    <circle cx="${cx + icon * 0.36}" cy="${cy - icon * 0.22}" r="${stroke * 0.8}"/>
  </g>
  <text x="${textX}" y="${baseline}" font-family="${BADGE_FONT_FAMILY}" font-size="${fontSize}" fill="#f4f1ea" textLength="${textWidth}" lengthAdjust="spacingAndGlyphs">${
    escapeXml(text)
  }</text>
  </g>
</svg>`;
}

/** Renders text alone and measures its ink width in pixels (0 when nothing renders). */
export async function measureText(text: string, fontSize: number): Promise<number> {
  const width = Math.ceil(fontSize * (text.length + 2));
  const height = Math.ceil(fontSize * 2);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <text x="${fontSize / 2}" y="${
    fontSize * 1.3
  }" font-family="${BADGE_FONT_FAMILY}" font-size="${fontSize}" fill="#000">${
    escapeXml(text)
  }</text></svg>`;
  const { data, info } = await sharp(new TextEncoder().encode(svg)).ensureAlpha().raw()
    .toBuffer({ resolveWithObject: true });
  let minX = Infinity;
  let maxX = -1;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[(y * info.width + x) * info.channels + 3] > 24) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
      }
    }
  }
  return maxX < 0 ? 0 : maxX - minX + 1;
}

/**
 * Whether this machine renders real glyphs: narrow and wide letters must differ in width.
 * Without a usable font, Pango draws every glyph as the same empty box ("tofu").
 */
export async function textRenders(): Promise<boolean> {
  const narrow = await measureText("iiiiiiii", 20);
  const wide = await measureText("WWWWWWWW", 20);
  return narrow > 0 && wide > narrow * 1.8;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<
    T
  >;
}
