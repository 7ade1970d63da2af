/**
 * The best checked iterate of an attack: fewest faces on the checked (quantised, encoded)
 * candidate, then lowest loss. Sign steps and step-size schedules do not decrease the
 * loss monotonically, so the last iterate can be worse than one checked earlier; an
 * attack returns this one instead.
 */
import * as tf from "@tensorflow/tfjs";

/** One checked iterate. */
export interface CheckedIterate {
  /** The 8-bit candidate that was checked. */
  image: tf.Tensor4D;
  /** The attack variable it came from. */
  variable: tf.Tensor4D;
  /** Faces the check found on it. */
  faces: number;
  /** Loss of the step that produced it (the loss at its variable is not computed). */
  loss: number;
  /** Step number. */
  step: number;
}

/** Keeps copies of the best iterate offered so far. */
export class BestIterate {
  #best?: CheckedIterate;

  /** Whether an iterate with these faces and loss would replace the kept one. */
  improves(faces: number, loss: number): boolean {
    const best = this.#best;
    if (!best) return true;
    if (faces !== best.faces) return faces < best.faces;
    // NaN losses never win a tie.
    return loss < best.loss || (Number.isNaN(best.loss) && !Number.isNaN(loss));
  }

  /** Offers a checked iterate; keeps copies of its tensors when it is the best so far. */
  offer(iterate: CheckedIterate): void {
    if (!this.improves(iterate.faces, iterate.loss)) return;
    this.dispose();
    this.#best = {
      ...iterate,
      image: tf.clone(iterate.image),
      variable: tf.clone(iterate.variable),
    };
  }

  /** The best iterate, still owned here (do not dispose it), or undefined. */
  peek(): CheckedIterate | undefined {
    return this.#best;
  }

  /** The best iterate, handed over to the caller (who disposes it), or undefined. */
  take(): CheckedIterate | undefined {
    const best = this.#best;
    this.#best = undefined;
    return best;
  }

  /** Releases the kept copies. */
  dispose(): void {
    if (this.#best) tf.dispose([this.#best.image, this.#best.variable]);
    this.#best = undefined;
  }
}
