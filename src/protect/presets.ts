/**
 * Strength presets for the protection filter: what a person picks on the web page or with
 * `protect --preset`. Each is the recommended robust perturbation with a different budget
 * and step cap. The descriptions state what was measured with every layer on, JPEG output,
 * on samples 1, 2 and 5 at 640 px (see the README's protect section); other detector
 * families (face-api, FaceBoxes, Haar) still found the faces with every preset.
 */
import { UserError } from "../errors.ts";
import { DEFAULT_SOURCE_IDS } from "../detectors/registry.ts";
import { PROTECT_DEFAULTS } from "./defaults.ts";
import type { PerturbOptions } from "./perturb_photo.ts";

/** One strength preset. */
export interface Preset {
  /** Stable id ("light", "standard", "strong"). */
  id: string;
  /** Short name for a button. */
  label: string;
  /** Expected look and protection, honestly, from measurements. */
  description: string;
  /** Perturbation settings on top of PROTECT_DEFAULTS. */
  perturb: Partial<PerturbOptions>;
}

/** The presets, gentlest first. */
export const PRESETS: readonly Preset[] = [
  {
    id: "light",
    label: "Light",
    description:
      "Hardly visible (PSNR about 39 dB). Partial protection: in our tests it hid the faces " +
      "from MediaPipe but left one to three faces visible to the BlazeFace detectors in every " +
      "photo. Fastest (80 steps at most).",
    perturb: { eps: 6, steps: 80 },
  },
  {
    id: "standard",
    label: "Standard",
    description:
      "A fine grain, visible up close in smooth areas (PSNR about 36 dB). In our tests it hid " +
      "every face from the three attacked detectors in one photo of three and all but one or " +
      "two in the others, also after JPEG re-compression. Up to 200 steps.",
    perturb: {},
  },
  {
    id: "strong",
    label: "Strong",
    description:
      "Visible grain and slight colour noise, most in smooth areas (PSNR about 33 dB). In our " +
      "tests it hid every face from the three attacked detectors in all three photos, also " +
      "after JPEG re-compression. Up to 300 steps, so it can take the longest.",
    perturb: { eps: 16, steps: 300 },
  },
];

/** The preset used when none is named. */
export const DEFAULT_PRESET_ID = "standard";

/** Looks up a preset; throws a UserError listing the known ids. */
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
