/**
 * The conv2d input-gradient shim equals tfjs's native Conv2DBackpropInput (cpu) and
 * satisfies the adjoint identity, for the strides, paddings and kernel sizes in use (the
 * strided ones take the polyphase path).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { WEBGPU_SKIP_REASON } from "../gpu/webgpu_testing.ts";
import { type Conv2DAttrs, conv2dInputGrad } from "./conv2d_input_grad.ts";

const CASES: {
  name: string;
  x: [number, number, number, number];
  k: number;
  out: number;
  attrs: Conv2DAttrs;
}[] = [
  { name: "1x1 pointwise", x: [2, 9, 7, 6], k: 1, out: 5, attrs: { strides: 1, pad: "same" } },
  {
    name: "5x5 stride 2 same",
    x: [1, 16, 16, 3],
    k: 5,
    out: 4,
    attrs: { strides: 2, pad: "same" },
  },
  {
    name: "3x3 stride 2 same odd",
    x: [1, 9, 11, 2],
    k: 3,
    out: 3,
    attrs: { strides: 2, pad: "same" },
  },
  {
    name: "3x3 stride 2 valid",
    x: [1, 12, 13, 2],
    k: 3,
    out: 3,
    attrs: { strides: 2, pad: "valid" },
  },
  { name: "3x3 stride 1 same", x: [1, 8, 8, 4], k: 3, out: 2, attrs: { strides: 1, pad: "same" } },
  // Polyphase shapes: taps beyond the filter, odd sizes, more rows than dy covers.
  {
    name: "5x5 stride 2 same odd, batch 2",
    x: [2, 13, 10, 3],
    k: 5,
    out: 6,
    attrs: { strides: 2, pad: "same" },
  },
  {
    name: "2x2 stride 2 valid",
    x: [1, 9, 8, 4],
    k: 2,
    out: 3,
    attrs: { strides: 2, pad: "valid" },
  },
  {
    name: "3x3 stride 3 same",
    x: [1, 10, 11, 2],
    k: 3,
    out: 2,
    attrs: { strides: 3, pad: "same" },
  },
  {
    name: "4x4 stride 3 valid",
    x: [1, 11, 13, 2],
    k: 4,
    out: 3,
    attrs: { strides: 3, pad: "valid" },
  },
];

// webgpu too (the software adapter in CI): its strided spreading avoids rank-6 pads.
for (const backend of ["cpu", "wasm", "webgpu"]) {
  Deno.test({
    name: `conv2d input gradient equals the native kernel (${backend})`,
    ignore: backend === "webgpu" && WEBGPU_SKIP_REASON !== undefined,
  }, async () => {
    // These tensors are small enough for tfjs's webgpu backend to hand them to its cpu
    // kernels; the test is about the GPU's.
    if (backend === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", false);
    for (const c of CASES) {
      await initBackend("cpu");
      const x = tf.randomNormal(c.x, 0, 1, "float32", 1) as tf.Tensor4D;
      const filter = tf.randomNormal([c.k, c.k, c.x[3], c.out], 0, 1, "float32", 2) as tf.Tensor4D;
      const y = tf.conv2d(x, filter, c.attrs.strides, c.attrs.pad as "same");
      const dy = tf.randomNormal(y.shape, 0, 1, "float32", 3) as tf.Tensor4D;
      const expected = tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, {
        strides: c.attrs.strides,
        pad: c.attrs.pad,
        dataFormat: "NHWC",
        dilations: 1,
        inputShape: c.x,
      }) as tf.Tensor;
      const want = await expected.data() as Float32Array;
      await initBackend(backend);
      const dx = conv2dInputGrad(c.x, dy, filter, c.attrs);
      assert.deepEqual(dx.shape, c.x);
      const got = await dx.data();
      const worst = want.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i])), 0);
      assert.ok(worst < 1e-4, `${c.name}: max difference ${worst}`);
      // Asynchronous reads: webgpu cannot read synchronously under Deno.
      const lhs = (await y.mul(dy).sum().data())[0];
      const rhs = (await x.mul(dx).sum().data())[0];
      assert.ok(
        Math.abs(lhs - rhs) < 1e-3 * Math.max(1, Math.abs(lhs)),
        `${c.name}: ${lhs} vs ${rhs}`,
      );
      tf.dispose([x, filter, y, dy, expected, dx]);
    }
    if (backend === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", true);
  });
}
