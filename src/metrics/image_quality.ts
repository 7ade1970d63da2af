/** Every image-quality number EqualAIs reports for a pair of images, in one place. */
import type { RgbImage } from "../image/rgb_image.ts";
import { l2, linf } from "./perturbation_norms.ts";
import { psnr } from "./psnr.ts";
import { ssim } from "./ssim.ts";

/** PSNR, SSIM (RGB and luma) and the size of the change. */
export interface ImageQuality {
  /** PSNR in dB (Infinity for identical images). */
  psnr_db: number;
  /** Mean SSIM over R, G and B. */
  ssim_rgb: number;
  /** SSIM of BT.601 luma. */
  ssim_luma: number;
  /** Largest per-channel change, grey levels. */
  linf: number;
  /** L2 of the change over the 0..1 image. */
  l2: number;
}

/** Measures `test` against `reference` (same size). */
export function imageQuality(reference: RgbImage, test: RgbImage): ImageQuality {
  return {
    psnr_db: psnr(reference, test),
    ssim_rgb: ssim(reference, test),
    ssim_luma: ssim(reference, test, { channel: "luma" }),
    linf: linf(reference, test),
    l2: l2(reference, test),
  };
}
