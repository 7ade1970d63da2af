/**
 * A linear map applied separably along height and width, out = R · x · Cᵀ per channel,
 * with a hand-written gradient (Rᵀ · dy · C).
 *
 * The maps here are resampling matrices: each output row reads a few neighbouring input
 * rows (a composite of bilinear upsampling and resizing touches at most about four), so
 * they are stored sparsely, as K (index, weight) pairs per output row, and applied by one
 * pass over the wasm heap: about 50x less work than the dense products, which took a
 * fifth of an ensemble step. A map with many inputs per output (area
 * averaging of a large mask) stays a dense product of untransposed matrices (wasm runs
 * transposed products 8-10x slower).
 */
import * as tf from "@tensorflow/tfjs";
import { activeWasmHeap, float32View, tensorFromHeap } from "../kernels/wasm_heap.ts";

/** A factor is sparse when each output reads at most this many inputs, or an eighth of them. */
const SPARSE_WIDTH = 16;

/** A matrix [out, in] as row-major values (built in JavaScript: read on any backend). */
export interface Matrix {
  /** Row-major values, length out * in. */
  values: Float32Array;
  /** [out, in]. */
  shape: [number, number];
}

/** The transpose of a matrix. */
export function transposed(matrix: Matrix): Matrix {
  const [outputs, inputs] = matrix.shape;
  const values = new Float32Array(outputs * inputs);
  for (let o = 0; o < outputs; o++) {
    for (let i = 0; i < inputs; i++) values[i * outputs + o] = matrix.values[o * inputs + i];
  }
  return { values, shape: [inputs, outputs] };
}

/** A separable linear map from [batch, inH, inW, c] to [batch, outH, outW, c]. */
export class SeparableMap {
  readonly #outputSize: [number, number];
  readonly #forward: AxisMaps;
  readonly #backward: AxisMaps;
  readonly #apply: (x: tf.Tensor4D) => tf.Tensor4D;

  /** Builds the map from row weights [outH, inH] and column weights [outW, inW]. */
  constructor(rows: Matrix, cols: Matrix) {
    this.#outputSize = [rows.shape[0], cols.shape[0]];
    const rowsT = transposed(rows);
    const colsT = transposed(cols);
    this.#forward = { rows: axisMap(rows, rowsT), cols: axisMap(cols, colsT) };
    this.#backward = { rows: axisMap(rowsT, rows), cols: axisMap(colsT, cols) };
    this.#apply = tf.customGrad((x) => ({
      value: applyBoth(x as tf.Tensor4D, this.#forward),
      // The transpose of a separable map is the separable map of the transposes.
      gradFunc: (dy) => applyBoth(dy as tf.Tensor4D, this.#backward),
    })) as (x: tf.Tensor4D) => tf.Tensor4D;
  }

  /** Output height and width. */
  get outputSize(): [number, number] {
    return this.#outputSize;
  }

  /** Applies the map; differentiable. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.#apply(x);
  }

  /** Releases the matrices. */
  dispose(): void {
    for (const maps of [this.#forward, this.#backward]) {
      maps.rows.dispose();
      maps.cols.dispose();
    }
  }
}

interface AxisMaps {
  rows: AxisMap;
  cols: AxisMap;
}

/** One factor of the map, applied along one axis of a 4D tensor. */
interface AxisMap {
  /** Applies the factor along `axis` (1: height, 2: width). */
  along(x: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D;
  /** Releases its tensors. */
  dispose(): void;
}

function applyBoth(x: tf.Tensor4D, maps: AxisMaps): tf.Tensor4D {
  return tf.tidy(() => maps.cols.along(maps.rows.along(x, 1), 2));
}

/** The sparse form of `matrix` [out, in] when it is narrow enough, else the dense one. */
function axisMap(matrix: Matrix, transpose: Matrix): AxisMap {
  const [outputs, inputs] = matrix.shape;
  const values = matrix.values;
  const entries: { index: number; weight: number }[][] = [];
  for (let o = 0; o < outputs; o++) {
    const row = [];
    for (let i = 0; i < inputs; i++) {
      const weight = values[o * inputs + i];
      if (weight !== 0) row.push({ index: i, weight });
    }
    entries.push(row);
  }
  const width = Math.max(1, ...entries.map((row) => row.length));
  const dense = new DenseAxisMap(matrix, transpose);
  const sparse = width <= SPARSE_WIDTH || width * 8 <= inputs;
  return sparse ? new SparseAxisMap(entries, width, dense) : dense;
}

/**
 * out[o] = sum over k of weight[o][k] * x[index[o][k]]: one JavaScript pass over the
 * wasm heap (tfjs's wasm GatherV2 is far slower than the dense product it would replace);
 * other backends use the dense product.
 */
class SparseAxisMap implements AxisMap {
  readonly #index: Int32Array; // [outputs * width]
  readonly #weight: Float64Array; // [outputs * width]
  readonly #width: number;
  readonly #outputs: number;
  readonly #dense: DenseAxisMap;

  constructor(
    entries: { index: number; weight: number }[][],
    width: number,
    dense: DenseAxisMap,
  ) {
    this.#width = width;
    this.#outputs = entries.length;
    this.#index = new Int32Array(entries.length * width);
    this.#weight = new Float64Array(entries.length * width);
    entries.forEach((row, o) =>
      row.forEach(({ index, weight }, k) => {
        this.#index[o * width + k] = index;
        this.#weight[o * width + k] = weight;
      })
    );
    this.#dense = dense;
  }

  along(x: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D {
    const heap = activeWasmHeap();
    if (!heap || x.dtype !== "float32") return this.#dense.along(x, axis);
    const [batch, h, w, c] = x.shape;
    const shape = axis === 1 ? [batch, this.#outputs, w, c] : [batch, h, this.#outputs, c];
    const info = heap.makeOutput(shape, "float32");
    // Views after the allocation: nothing allocates while they are in use.
    const input = float32View(heap, x);
    const output = float32View(heap, info);
    const K = this.#width;
    const index = this.#index;
    const weight = this.#weight;
    // Accumulate weight x input row by row: contiguous inner loops, padding skipped.
    if (axis === 1) {
      const inner = w * c;
      for (let b = 0; b < batch; b++) {
        for (let o = 0; o < this.#outputs; o++) {
          const to = (b * this.#outputs + o) * inner;
          output.fill(0, to, to + inner);
          for (let k = 0; k < K; k++) {
            const wk = weight[o * K + k];
            if (wk === 0) continue;
            const from = (b * h + index[o * K + k]) * inner;
            for (let j = 0; j < inner; j++) output[to + j] += wk * input[from + j];
          }
        }
      }
    } else {
      const outputs = this.#outputs;
      for (let row = 0; row < batch * h; row++) {
        const from = row * w * c;
        const to = row * outputs * c;
        for (let o = 0; o < outputs; o++) {
          const at = to + o * c;
          for (let ch = 0; ch < c; ch++) output[at + ch] = 0;
          for (let k = 0; k < K; k++) {
            const wk = weight[o * K + k];
            if (wk === 0) continue;
            const source = from + index[o * K + k] * c;
            for (let ch = 0; ch < c; ch++) output[at + ch] += wk * input[source + ch];
          }
        }
      }
    }
    return tensorFromHeap(info) as tf.Tensor4D;
  }

  dispose(): void {
    this.#dense.dispose();
  }
}

/**
 * out = matrix · x along the axis, as untransposed matrix products. The matrices become
 * tensors on first use on each backend, so a map (a cached one too) outlives backend
 * switches.
 */
class DenseAxisMap implements AxisMap {
  readonly #values: [Matrix, Matrix]; // [out, in] and its transpose
  readonly #tensors = new Map<string, [tf.Tensor2D, tf.Tensor2D]>();

  constructor(matrix: Matrix, transpose: Matrix) {
    this.#values = [matrix, transpose];
  }

  #onBackend(): [tf.Tensor2D, tf.Tensor2D] {
    const backend = tf.getBackend();
    let found = this.#tensors.get(backend);
    if (!found) {
      found = this.#values.map((m) => tf.keep(tf.tensor2d(m.values, m.shape))) as [
        tf.Tensor2D,
        tf.Tensor2D,
      ];
      this.#tensors.set(backend, found);
    }
    return found;
  }

  along(x: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D {
    const [matrix, transposed] = this.#onBackend();
    return tf.tidy(() => {
      const [batch, h, w, c] = x.shape;
      const outputs = matrix.shape[0];
      if (axis === 1) {
        const heightFirst = batch === 1
          ? x.reshape([h, w * c])
          : x.transpose([1, 0, 2, 3]).reshape([h, batch * w * c]);
        const mapped = tf.matMul(matrix, heightFirst).reshape([outputs, batch, w, c]);
        return (batch === 1 ? mapped.reshape([1, outputs, w, c]) : mapped.transpose([
          1,
          0,
          2,
          3,
        ])) as tf.Tensor4D;
      }
      const widthLast = x.transpose([0, 1, 3, 2]).reshape([batch * h * c, w]);
      return tf.matMul(widthLast, transposed).reshape([batch, h, c, outputs])
        .transpose([0, 1, 3, 2]) as tf.Tensor4D;
    });
  }

  dispose(): void {
    for (const tensors of this.#tensors.values()) tf.dispose(tensors);
    this.#tensors.clear();
  }
}
