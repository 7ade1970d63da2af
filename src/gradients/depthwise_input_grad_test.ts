/**
 * The depthwise input-gradient shim satisfies the adjoint identity
 * <conv(x), dy> = <x, grad(dy)> for every stride, padding, dilation and channel
 * multiplier, and equals tfjs's native DepthwiseConv2dNativeBackpropInput kernel (cpu)
 * wherever that kernel is defined (it does not support dilation), on cpu and wasm.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { WEBGPU_SKIP_REASON } from "../gpu/webgpu_testing.ts";
import { type DepthwiseAttrs, depthwiseConv2dInputGrad } from "./depthwise_input_grad.ts";

const CASES: {
  name: string;
  x: [number, number, number, number];
  k: number;
  m: number;
  attrs: DepthwiseAttrs;
}[] = [
  { name: "3x3 stride 1 same", x: [2, 9, 7, 4], k: 3, m: 1, attrs: { strides: 1, pad: "same" } },
  { name: "5x5 stride 1 same", x: [1, 10, 10, 3], k: 5, m: 1, attrs: { strides: 1, pad: "same" } },
  {
    name: "3x3 stride 2 same odd",
    x: [1, 9, 11, 2],
    k: 3,
    m: 1,
    attrs: { strides: 2, pad: "same" },
  },
  {
    name: "3x3 stride 2 same even",
    x: [1, 8, 8, 2],
    k: 3,
    m: 1,
    attrs: { strides: 2, pad: "same" },
  },
  {
    name: "5x5 stride 2 valid",
    x: [1, 12, 13, 2],
    k: 5,
    m: 1,
    attrs: { strides: 2, pad: "valid" },
  },
  { name: "3x3 stride 1 valid", x: [1, 6, 6, 3], k: 3, m: 1, attrs: { strides: 1, pad: "valid" } },
  { name: "multiplier 2", x: [1, 7, 7, 3], k: 3, m: 2, attrs: { strides: 1, pad: "same" } },
  {
    name: "dilation 2",
    x: [1, 11, 11, 2],
    k: 3,
    m: 1,
    attrs: { strides: 1, pad: "same", dilations: 2 },
  },
];

// webgpu too (the software adapter in CI): its strided spreading avoids rank-6 pads.
for (const backend of ["cpu", "wasm", "webgpu"]) {
  Deno.test({
    name: `depthwise input gradient equals the native kernel (${backend})`,
    ignore: backend === "webgpu" && WEBGPU_SKIP_REASON !== undefined,
  }, async () => {
    // These tensors are small enough for tfjs's webgpu backend to hand them to its cpu
    // kernels; the test is about the GPU's.
    if (backend === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", false);
    for (const c of CASES) {
      await initBackend("cpu");
      const x = tf.randomNormal(c.x, 0, 1, "float32", 1) as tf.Tensor4D;
      const filter = tf.randomNormal([c.k, c.k, c.x[3], c.m], 0, 1, "float32", 2) as tf.Tensor4D;
      const y = tf.depthwiseConv2d(
        x,
        filter,
        c.attrs.strides,
        c.attrs.pad as "same",
        "NHWC",
        c.attrs.dilations,
      );
      const dy = tf.randomNormal(y.shape, 0, 1, "float32", 3) as tf.Tensor4D;
      const expected = tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", { dy, filter }, {
        ...c.attrs,
        dilations: c.attrs.dilations ?? 1,
        inputShape: c.x,
      }) as tf.Tensor;
      const want = await expected.data() as Float32Array;
      await initBackend(backend);
      const dx = depthwiseConv2dInputGrad(c.x, dy, filter, c.attrs);
      // Asynchronous reads: webgpu cannot read synchronously under Deno.
      const lhs = (await y.mul(dy).sum().data())[0];
      const rhs = (await x.mul(dx).sum().data())[0];
      assert.ok(
        Math.abs(lhs - rhs) < 1e-4 * Math.max(1, Math.abs(lhs)),
        `${c.name}: ${lhs} vs ${rhs}`,
      );
      if (!c.attrs.dilations || c.attrs.dilations === 1) {
        const got = await dx.data();
        const worst = want.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i])), 0);
        assert.ok(worst < 1e-4, `${c.name}: max difference ${worst}`);
      }
      tf.dispose([x, filter, y, dy, expected, dx]);
    }
    if (backend === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", true);
  });
}
