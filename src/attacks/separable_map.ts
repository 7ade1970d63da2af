/**
 * A linear map applied separably along height and width, out = R · x · Cᵀ per channel,
 * with a hand-written gradient (Rᵀ · dy · C). tfjs's own MatMul gradient uses transposed
 * products, which the wasm backend runs 8-10x slower than plain ones; keeping transposed
 * copies of the constant matrices makes forward and backward both plain products.
 */
import * as tf from "@tensorflow/tfjs";

/** A separable linear map from [batch, inH, inW, c] to [batch, outH, outW, c]. */
export class SeparableMap {
  readonly #rows: tf.Tensor2D; // [outH, inH]
  readonly #rowsT: tf.Tensor2D; // [inH, outH]
  readonly #colsT: tf.Tensor2D; // [inW, outW]
  readonly #cols: tf.Tensor2D; // [outW, inW]
  readonly #apply: (x: tf.Tensor4D) => tf.Tensor4D;

  /** Builds the map from row weights [outH, inH] and column weights [outW, inW]. */
  constructor(rows: tf.Tensor2D, cols: tf.Tensor2D) {
    this.#rows = tf.keep(rows.clone());
    this.#rowsT = tf.keep(rows.transpose());
    this.#cols = tf.keep(cols.clone());
    this.#colsT = tf.keep(cols.transpose());
    this.#apply = tf.customGrad((x) => {
      return {
        value: applyPlain(x as tf.Tensor4D, this.#rows, this.#colsT),
        gradFunc: (dy) => applyPlain(dy as tf.Tensor4D, this.#rowsT, this.#cols),
      };
    }) as (x: tf.Tensor4D) => tf.Tensor4D;
  }

  /** Output height and width. */
  get outputSize(): [number, number] {
    return [this.#rows.shape[0], this.#cols.shape[0]];
  }

  /** Applies the map; differentiable. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.#apply(x);
  }

  /** Releases the matrices. */
  dispose(): void {
    tf.dispose([this.#rows, this.#rowsT, this.#cols, this.#colsT]);
  }
}

// out = rows · x · colsT with only untransposed matrix products.
function applyPlain(x: tf.Tensor4D, rows: tf.Tensor2D, colsT: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, h, w, c] = x.shape;
    const outH = rows.shape[0];
    const outW = colsT.shape[1];
    const heightFirst = batch === 1 ? x.reshape([h, w * c]) : x.transpose([1, 0, 2, 3]).reshape([
      h,
      batch * w * c,
    ]);
    const byRows = tf.matMul(rows, heightFirst).reshape([outH, batch, w, c]);
    const widthLast = byRows.transpose([0, 1, 3, 2]).reshape([outH * batch * c, w]);
    const byCols = tf.matMul(widthLast, colsT).reshape([outH, batch, c, outW]);
    return byCols.transpose([1, 0, 3, 2]) as tf.Tensor4D;
  });
}
