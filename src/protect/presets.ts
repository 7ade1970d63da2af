/**
 * Presets for the protection filter: what a person picks on the web page or with
 * `protect --preset`. The strength presets (light, standard, strong) are visibility
 * ceilings against the BlazeFace family: the budget escalation starts small and stops at
 * the first budget that hides every face, never above the preset's; other detector
 * families (face-api, FaceBoxes, Haar) still found the faces. `all-families` attacks every
 * neural detector we have, four families, with adaptive ensemble weights; `standard-haar` is
 * `standard` with OpenCV's Haar cascade attacked too (through haar-smooth). The
 * descriptions state what was measured on the development set (`deno task protect-eval
 * --set dev`, see the README's protect section).
 */
import { UserError } from "../errors.ts";
import { ALL_FAMILIES_IDS, DEFAULT_SOURCE_IDS } from "../detectors/registry.ts";
import { PROTECT_DEFAULTS } from "./defaults.ts";
import type { PerturbOptions } from "./perturb_photo.ts";

/** One preset. */
export interface Preset {
  /** Stable id ("light", "standard", "strong", "all-families"). */
  id: string;
  /** Short name for a button. */
  label: string;
  /** Expected look and protection, honestly, from measurements. */
  description: string;
  /** Perturbation settings on top of PROTECT_DEFAULTS. */
  perturb: Partial<PerturbOptions>;
}

/**
 * The presets: the strength ones gentlest first (visibility ceilings for the budget
 * escalation), then the one that covers every neural family.
 */
export const PRESETS: readonly Preset[] = [
  {
    id: "light",
    label: "Light",
    description:
      "Hardly visible: the change stops at 8 grey levels, and is then made smaller where it can. " +
      "In our tests at least 14 of 42 photos needed no more than that to hide every face from " +
      "the three attacked detectors (median SSIM 0.99, PSNR 42 dB); the others keep a face or " +
      "two. Fastest.",
    // Refinement as measured: at 8 grey levels the change is small at the ceiling too.
    perturb: { eps: 8, steps: 160, ceilingRefineFactor: 1 },
  },
  {
    id: "standard",
    label: "Standard",
    description:
      "As little change as each photo needs, up to 16 grey levels, then made smaller where the " +
      "eye would notice it most. In our tests it hid every face, also after JPEG re-compression, " +
      "in all 42 photos: 16 of 300 px and more (median SSIM 0.99, PSNR 42 dB) and 26 smaller " +
      "ones (median SSIM 0.97), none below SSIM 0.95. A photo whose change still shows is " +
      "protected a second time and the subtler result kept. On small close-ups it may end with " +
      "a grey grain at 16 levels, which shows.",
    perturb: {},
  },
  {
    id: "strong",
    label: "Strong",
    description:
      "Up to 24 grey levels, for photos the standard setting could not protect: visible grain " +
      "and colour noise where it needs that much. In our tests standard protected all 42 " +
      "photos; on the 17 that needed its ceiling, strong went further and its change showed " +
      "more (3 photos past our visibility threshold, against none with standard).",
    perturb: { eps: 24, steps: 320 },
  },
  {
    id: "all-families",
    label: "All families",
    description: "Attacks every neural detector we have, four families (BlazeFace and MediaPipe, " +
      "face-api's SSD and Tiny YOLO, FaceBoxes), with balanced weights, up to 16 grey levels. " +
      "In our tests it hid every face from all six, also after JPEG re-compression, in 39 " +
      "of 42 photos (small portraits, close-ups and groups; median SSIM 0.96, visible grain " +
      "on the close-ups). Slow: every step runs six networks, half a minute to 6 minutes a " +
      "photo on a 2-core computer (1.5 minutes at 1 megapixel). " +
      "Haar (not neural) is not attacked, and detectors of other families may still find " +
      "the faces.",
    // As measured: refinement 40 steps (each step runs six networks, and 20 more would cost
    // a 1 MP photo about 13 s), and every rung runs its steps (the standard ladder's hand-over
    // after two stalled checks, the region search at the ceiling and the second attempt for a
    // visible change came later and are not measured with six networks).
    perturb: {
      detectors: [...ALL_FAMILIES_IDS],
      escalation: { ...PROTECT_DEFAULTS.escalation, stallChecks: 0 },
      balance: "adaptive",
      attackOptions: { ...PROTECT_DEFAULTS.attackOptions, refineSteps: 40 },
      ceilingRefineFactor: 1,
      ceilingRegionChecks: 0,
      visibleRetry: false,
    },
  },
  {
    id: "standard-haar",
    label: "Standard + Haar",
    description:
      "Standard, with OpenCV's classic Haar cascade attacked as well. In our tests it hid every " +
      "face from the three detectors and from Haar, also after JPEG re-compression, in 41 of 42 " +
      "photos (Haar had found 62 of 64 faces after Standard), at median SSIM 0.98; on 4 small " +
      "close-ups the change shows (SSIM below 0.95). Two to three times slower than Standard " +
      "(40 s for the median photo on a 2-core computer). Detectors of other families may still " +
      "find the faces.",
    // The standard ladder against the BlazeFace family and OpenCV's Haar cascade, through its
    // smooth surrogate (detectors/haar_smooth.ts); the real cascade judges every check.
    perturb: { detectors: [...DEFAULT_SOURCE_IDS, "haar-smooth"] },
  },
];

/** The preset used when none is named. */
export const DEFAULT_PRESET_ID = "standard";

/**
 * Looks up a preset; throws a UserError listing the known ids.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getPreset } from "./presets.ts";
 * const strong = getPreset("strong");
 * assert.equal(strong.id, "strong");
 * assert.equal(strong.perturb.eps, 24);
 * assert.throws(() => getPreset("extreme"), /unknown preset "extreme"/);
 * ```
 */
export function getPreset(id: string): Preset {
  const preset = PRESETS.find((p) => p.id === id);
  if (!preset) {
    throw new UserError(
      `unknown preset "${id}"; choose from ${PRESETS.map((p) => p.id).join(", ")}`,
    );
  }
  return preset;
}

/**
 * Full perturbation settings of a preset: PROTECT_DEFAULTS against the default white-box
 * detectors, with the preset's changes.
 */
export function presetPerturbOptions(preset: Preset): PerturbOptions {
  return {
    ...PROTECT_DEFAULTS,
    eot: { ...PROTECT_DEFAULTS.eot },
    detectors: [...DEFAULT_SOURCE_IDS],
    ...preset.perturb,
  };
}
