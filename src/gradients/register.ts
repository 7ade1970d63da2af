/**
 * Gradients that tfjs lacks or that some backends cannot run, registered once.
 *
 * - DepthwiseConv2dNative: tfjs's own gradient needs DepthwiseConv2dNativeBackpropInput,
 *   which wasm lacks; ours uses forward depthwise convolutions only (all backends).
 * - Conv2D: wasm's Conv2DBackpropInput is a slow plain loop; ours uses XNNPACK's
 *   forward convolution and matrix product (all backends).
 * - MaxPool: wasm's MaxPoolGrad is a slow scalar loop that also loses gradient at the
 *   bottom/right edges; BlazeFace's 2x2 stride-2 pools use elementwise ops instead
 *   (max_pool_grad.ts), every other pool slices and elementwise ops (max_pool_window_grad.ts).
 * - DepthToSpace: tfjs registers no gradient; it is SpaceToDepth of the upstream gradient.
 * - ResizeBilinear: tfjs 4.22's ResizeBilinearGrad ignores `halfPixelCenters` (wrong
 *   gradients through MediaPipe's upsampling layers), and the cpu one labels its result
 *   [batch, width, height, depth]. Ours is exact on every backend and attribute set.
 */
import * as tf from "@tensorflow/tfjs";
import { type DepthwiseAttrs, depthwiseConv2dInputGrad } from "./depthwise_input_grad.ts";
import { spaceToDepth } from "./space_to_depth.ts";
import { type Conv2DAttrs, conv2dInputGrad } from "./conv2d_input_grad.ts";
import { resizeBilinearInputGrad } from "./resize_bilinear_grad.ts";
import type { MaxPoolAttrs } from "./max_pool_grad.ts";
import { maxPoolInputGrad } from "./max_pool_window_grad.ts";
import { registerClipByValueGrad } from "./clip_by_value_grad.ts";
import { registerInPlaceWasmSplit } from "../kernels/wasm_split.ts";
import { registerRowCopyingWasmResizeNearest } from "../kernels/wasm_resize_nearest.ts";

let registered = false;

/** Registers the gradient shims with the tfjs engine; safe to call more than once. */
export function registerGradientShims(): void {
  if (registered) return;
  registered = true;
  registerClipByValueGrad(); // ReLU6's gradient in one pass on wasm (clip_by_value_grad.ts)
  registerInPlaceWasmSplit(); // Concat's gradient (SplitV) without whole-input copies
  registerRowCopyingWasmResizeNearest(); // the 2x2 max-pool gradient's 2x upsampling
  tf.registerGradient({
    kernelName: "DepthwiseConv2dNative",
    inputsToSave: ["x", "filter"],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      return {
        x: () =>
          depthwiseConv2dInputGrad(
            x.shape as [number, number, number, number],
            dy as tf.Tensor4D,
            filter,
            attrs as unknown as DepthwiseAttrs,
          ),
        // tfjs prunes inputs that do not depend on x, so this runs only if a caller
        // differentiates with respect to the weights, which EqualAIs never does.
        filter: () => {
          throw new Error(
            "the depthwise filter gradient is not implemented (input gradients only)",
          );
        },
      };
    },
  });
  tf.registerGradient({
    kernelName: "ResizeBilinear",
    inputsToSave: ["images"],
    gradFunc: (dy, saved, attrs) => {
      const [images] = saved;
      const { alignCorners, halfPixelCenters } = attrs as unknown as {
        alignCorners: boolean;
        halfPixelCenters: boolean;
      };
      return {
        images: () => {
          // The dense transpose costs O(in x out) per axis: right for the small in-graph
          // upsampling layers, far too slow for a full photo. Without half-pixel centres
          // the native kernel is correct apart from the cpu backend's shape label.
          if (!halfPixelCenters) {
            const dx = tf.engine().runKernel(
              "ResizeBilinearGrad",
              { dy, images } as unknown as tf.NamedTensorMap,
              attrs,
            ) as tf.Tensor;
            return dx.reshape(images.shape);
          }
          return resizeBilinearInputGrad(
            images.shape,
            dy as tf.Tensor4D,
            alignCorners,
            halfPixelCenters,
          );
        },
      };
    },
  });
  tf.registerGradient({
    kernelName: "Conv2D",
    inputsToSave: ["x", "filter"],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      return {
        x: () =>
          conv2dInputGrad(
            x.shape as [number, number, number, number],
            dy as tf.Tensor4D,
            filter,
            attrs as unknown as Conv2DAttrs,
          ),
        // Pruned by tfjs unless someone differentiates the weights; never done here.
        filter: () => {
          throw new Error("the conv2d filter gradient is not implemented (input gradients only)");
        },
      };
    },
  });
  tf.registerGradient({
    kernelName: "MaxPool",
    inputsToSave: ["x"],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, y] = saved as [tf.Tensor4D, tf.Tensor4D];
      const pool = attrs as unknown as MaxPoolAttrs;
      return { x: () => maxPoolInputGrad(x, y, dy as tf.Tensor4D, pool) };
    },
  });
  tf.registerGradient({
    kernelName: "DepthToSpace",
    gradFunc: (dy, _saved, attrs) => {
      const { blockSize, dataFormat } = attrs as unknown as {
        blockSize: number;
        dataFormat: string;
      };
      if (dataFormat !== "NHWC") {
        throw new Error(`DepthToSpace gradient supports NHWC only, got ${dataFormat}`);
      }
      return { x: () => spaceToDepth(dy as tf.Tensor4D, blockSize) };
    },
  });
}
