/**
 * What detectors see of the adversarial photo: clean + perturbation, resized bilinearly
 * to a requested size and clipped to valid pixel values. Clean resizes are computed once
 * per size; the perturbation's are exact matrix products (see perturbation.ts), so a
 * step costs work at the detectors' resolution, not the photo's.
 */
import * as tf from "@tensorflow/tfjs";
import type { Perturbation } from "./perturbation.ts";

/** The adversarial photo as seen at some resolution; differentiable in the variable. */
export interface AdversarialView {
  /** Photo height and width. */
  readonly photoSize: [number, number];
  /** Adversarial images [batch, height, width, 3] (0..255) as a bilinear resize of the photo. */
  resized(height: number, width: number): tf.Tensor4D;
}

/** Caches the clean photo's resizes for the lifetime of an attack. */
export class CleanResizes {
  readonly #clean: tf.Tensor4D;
  readonly #cache = new Map<string, tf.Tensor4D>();

  /** Wraps a clean batch [batch, H, W, 3]. */
  constructor(clean: tf.Tensor4D) {
    this.#clean = clean;
  }

  /** The clean batch bilinearly resized to [height, width] (cached). */
  at(height: number, width: number): tf.Tensor4D {
    const key = `${height}x${width}`;
    let found = this.#cache.get(key);
    if (!found) {
      const [, H, W] = this.#clean.shape;
      found = tf.keep(
        height === H && width === W
          ? this.#clean.clone()
          : tf.tidy(() => tf.image.resizeBilinear(this.#clean, [height, width])),
      );
      this.#cache.set(key, found);
    }
    return found;
  }

  /** Releases the cached tensors. */
  dispose(): void {
    for (const t of this.#cache.values()) t.dispose();
    this.#cache.clear();
  }
}

/** The view of clean + perturbation(variable). */
export function adversarialView(
  clean: CleanResizes,
  perturbation: Perturbation,
  variable: tf.Tensor4D,
): AdversarialView {
  const [, H, W] = perturbation.imageShape;
  return {
    photoSize: [H, W],
    resized: (height, width) =>
      tf.tidy(() => {
        // At photo size the native upsampling is cheaper than the composite matrices.
        const delta = height === H && width === W
          ? perturbation.toPixels(variable)
          : perturbation.resized(variable, height, width);
        return clean.at(height, width).add(delta).clipByValue(0, 255) as tf.Tensor4D;
      }),
  };
}
