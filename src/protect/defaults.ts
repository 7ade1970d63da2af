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
  steps: 200,
  /** One grey level per step on the low-resolution variable: measured to converge fastest. */
  stepSize: 1,
  /** Long side of the perturbation variable (1920 px photos: factor 6): survives JPEG. */
  variableSide: 320,
  /** Perturb the whole photo: BlazeFace draws on context well beyond the face box. */
  faceMask: false,
  /** Robust mode: average over re-encodings and check the JPEG q75 copy too. */
  robust: true,
  /**
   * What robust mode simulates: one real JPEG re-encode per step (quality 70-90) at the
   * photo's resolution, gradients straight through (BPDA); the untransformed photo is
   * still checked every 10 steps.
   */
  eot: {
    mode: "bpda",
    includeOriginal: false,
    samples: 1,
    jpegQuality: [70, 90],
    scale: [1, 1],
    maxShift: 2,
    workingSide: 0,
  } satisfies EotOptions,
  /** Seed for every random choice. */
  seed: 1,
} as const;
