/**
 * The settings we recommend to a person protecting a photo, in one place: every entry
 * point (CLI, demo, web page) starts from these.
 */
import type { EotOptions } from "../attacks/eot.ts";

/** Recommended protection settings. */
export const PROTECT_DEFAULTS = {
  /** Texture-adaptive PGD: strong where the photo is busy, gentle where it is flat. */
  attack: "jnd-pgd",
  /** L-inf budget in grey levels (the busiest regions may move this far, flat ones less). */
  eps: 10,
  /** Most steps; checks every 10 steps stop it as soon as no face is found. */
  steps: 150,
  /** Small fixed steps converge; steps of a full grey level oscillate on BlazeFace. */
  stepSize: 0.5,
  /** Downscaling factor of the perturbation: smooth enough to survive JPEG. */
  factor: 6,
  /** Perturb the whole photo: BlazeFace draws on context well beyond the face box. */
  faceMask: false,
  /** Robust mode: average over re-encodings and check the JPEG q75 copy too. */
  robust: true,
  /** What robust mode simulates: JPEG at the photo's resolution, small block shifts. */
  eot: {
    samples: 1,
    jpegQuality: [70, 90],
    scale: [1, 1],
    maxShift: 2,
    workingSide: 0,
  } satisfies EotOptions,
  /** Seed for every random choice. */
  seed: 1,
} as const;
