/**
 * Strength presets for the protection filter: what a person picks on the web page or with
 * `protect --preset`. Each is the recommended robust perturbation with a different budget
 * and step cap; the descriptions state what was measured (see the README's protect section).
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
      "Nearly invisible (a faint grain in flat areas). Smaller budget and fewer steps: hides " +
      "faces from the attacked detectors in some photos but often leaves one or more visible " +
      "to them. Fastest.",
    perturb: { eps: 6, steps: 80 },
  },
  {
    id: "standard",
    label: "Standard",
    description:
      "Fine grain visible up close in flat areas, hard to see at normal size. Hid every face " +
      "from the three attacked detectors, also after JPEG re-compression, in most of our test " +
      "photos. Takes about a minute for a 2-megapixel photo on a small server.",
    perturb: {},
  },
  {
    id: "strong",
    label: "Strong",
    description:
      "Visible grain and slight colour noise, especially in smooth areas. Larger budget and more " +
      "steps: the most likely to hide every face from the attacked detectors and to survive " +
      "re-compression. Slowest.",
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
