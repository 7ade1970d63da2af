/**
 * The bilinear-resize gradient: its interpolation matrices reproduce tfjs's forward
 * resize (so the transpose is the true gradient) for every attribute combination,
 * including the half-pixel centres that tfjs's own gradient kernels get wrong.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { WEBGPU_SKIP_REASON } from "../gpu/webgpu_testing.ts";
import { interpolationMatrix, resizeBilinearInputGrad } from "./resize_bilinear_grad.ts";

const SIZES: [number, number, number, number][] = [
  [12, 9, 24, 18], // 2x upsampling, as inside MediaPipe's detector
  [37, 53, 16, 16], // downsampling to a model input
  [5, 7, 5, 7], // identity size
];

// webgpu too (the software adapter in CI), with its kernels rather than its cpu hand-off.
for (const backend of ["cpu", "wasm", "webgpu"]) {
  Deno.test({
    name: `resize-bilinear gradient is the exact transpose (${backend})`,
    ignore: backend === "webgpu" && WEBGPU_SKIP_REASON !== undefined,
  }, async () => {
    await initBackend(backend);
    if (backend === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", false);
    for (const [inH, inW, outH, outW] of SIZES) {
      for (const alignCorners of [false, true]) {
        for (const halfPixelCenters of alignCorners ? [false] : [false, true]) {
          const label =
            `${inH}x${inW}->${outH}x${outW} align=${alignCorners} half=${halfPixelCenters}`;
          const x = tf.randomNormal([2, inH, inW, 3], 0, 1, "float32", 4) as tf.Tensor4D;
          // Forward through matrices equals tfjs's kernel.
          const rows = tf.tensor2d(interpolationMatrix(inH, outH, alignCorners, halfPixelCenters), [
            outH,
            inH,
          ]);
          const cols = tf.tensor2d(interpolationMatrix(inW, outW, alignCorners, halfPixelCenters), [
            outW,
            inW,
          ]);
          const byRows = tf.matMul(rows, x.reshape([2, inH, inW * 3])).reshape([2, outH, inW, 3]);
          const viaMatrices = tf.matMul(byRows.transpose([0, 1, 3, 2]), cols, false, true)
            .transpose([0, 1, 3, 2]);
          const viaKernel = tf.image.resizeBilinear(
            x,
            [outH, outW],
            alignCorners,
            halfPixelCenters,
          );
          const forwardDiff = (await tf.sub(viaMatrices, viaKernel).abs().max().data())[0];
          assert.ok(forwardDiff < 1e-5, `${label}: forward differs by ${forwardDiff}`);
          // <R x C^T, dy> = <x, R^T dy C> for random dy: the adjoint identity.
          const dy = tf.randomNormal([2, outH, outW, 3], 0, 1, "float32", 5) as tf.Tensor4D;
          const dx = resizeBilinearInputGrad(x.shape, dy, alignCorners, halfPixelCenters);
          const lhs = (await viaKernel.mul(dy).sum().data())[0];
          const rhs = (await x.mul(dx).sum().data())[0];
          assert.ok(
            Math.abs(lhs - rhs) < 1e-3 * Math.max(1, Math.abs(lhs)),
            `${label}: ${lhs} vs ${rhs}`,
          );
          // And tf.grad goes through it.
          const g = tf.grad((t) =>
            tf.image.resizeBilinear(t as tf.Tensor4D, [outH, outW], alignCorners, halfPixelCenters)
              .mul(dy).sum()
          )(x);
          assert.deepEqual(g.shape, x.shape);
          const gradDiff = (await tf.sub(g, dx).abs().max().data())[0];
          assert.ok(gradDiff < 1e-5, `${label}: registered gradient differs by ${gradDiff}`);
          tf.dispose([x, rows, cols, byRows, viaMatrices, viaKernel, dy, dx, g]);
        }
      }
    }
    if (backend === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", true);
  });
}
