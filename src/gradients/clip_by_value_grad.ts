/**
 * The input gradient of ClipByValue (ReLU6 in face-api's SSD: clip to [0, 6]) in one pass.
 *
 * tfjs's gradient is where(x >= min && x <= max, dy, 0): five kernels (GreaterEqual,
 * LessEqual, LogicalAnd, ZerosLike, Select), each a full pass, and on wasm each a slow
 * generic loop. They took 46% of the kernel time of an SSD-MobileNetV1 gradient at
 * 512x512 (1.0 s of 2.2 s on the 2-core build machine). On wasm this is one loop over
 * the heap; other backends keep tfjs's formula. Same values either way: dy where the
 * input lies in [min, max] (both ends included, as tfjs does), else 0.
 */
import * as tf from "@tensorflow/tfjs";
import { float32View, type WasmHeap } from "../kernels/wasm_heap.ts";

/** Name of the one-pass wasm kernel. */
export const CLIP_GRAD_KERNEL = "EqualAIsClipByValueGrad";

/** ClipByValue's attributes, as tfjs passes them to gradients. */
export interface ClipAttrs {
  /** Lower bound. */
  clipValueMin: number;
  /** Upper bound. */
  clipValueMax: number;
}

let kernelRegistered = false;

function registerWasmKernel(): void {
  if (kernelRegistered) return;
  kernelRegistered = true;
  tf.registerKernel({
    kernelName: CLIP_GRAD_KERNEL,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { clipValueMin: low, clipValueMax: high } = attrs as unknown as ClipAttrs;
      const heap = backend as unknown as WasmHeap;
      const out = heap.makeOutput(x.shape, "float32");
      // Views after the allocation, which may grow (and detach) the heap.
      const xs = float32View(heap, x);
      const gs = float32View(heap, dy);
      const result = float32View(heap, out);
      // Branch-free (a 0/1 factor, not a conditional): ReLU6 inputs straddle both bounds at
      // random, and a mispredicted branch per element made the loop 4x slower.
      const n = xs.length;
      for (let i = 0; i < n; i++) {
        const v = xs[i];
        result[i] = gs[i] * (+(v >= low) & +(v <= high));
      }
      return out;
    },
  });
}

/** dL/dx of clipByValue(x, min, max) given dy (same shape as x). */
export function clipByValueInputGrad(x: tf.Tensor, dy: tf.Tensor, attrs: ClipAttrs): tf.Tensor {
  if (
    tf.getBackend() === "wasm" && x.dtype === "float32" && dy.dtype === "float32" &&
    tf.util.arraysEqual(x.shape, dy.shape)
  ) {
    registerWasmKernel();
    return tf.engine().runKernel(
      CLIP_GRAD_KERNEL,
      { x, dy } as unknown as tf.NamedTensorMap,
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
  }
  return tf.tidy(() =>
    tf.where(
      tf.logicalAnd(tf.greaterEqual(x, attrs.clipValueMin), tf.lessEqual(x, attrs.clipValueMax)),
      dy,
      tf.zerosLike(dy),
    )
  );
}

/** Registers clipByValueInputGrad as ClipByValue's gradient (replacing tfjs's). */
export function registerClipByValueGrad(): void {
  tf.registerGradient({
    kernelName: "ClipByValue",
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      return { x: () => clipByValueInputGrad(x, dy as tf.Tensor, attrs as unknown as ClipAttrs) };
    },
  });
}
