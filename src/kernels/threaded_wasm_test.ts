/**
 * tfjs's threaded wasm build under Deno: it starts with the threads asked for, and every
 * white-box detector's logits and input gradient on a real photo agree with the cpu
 * backend (tfjs's own JavaScript kernels, no threads, no shims) as closely as the
 * single-threaded build's do in `detectors/gradient_test.ts`.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend, requestedWasmThreads } from "../backend.ts";
import { UserError } from "../errors.ts";
import { collectProvenance } from "../experiments/provenance.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { loadWhiteBoxDetector, unloadDetectors, WHITEBOX_IDS } from "../detectors/registry.ts";
import type { WhiteBoxDetector } from "../detectors/types.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { relativeL2 } from "../testing/relative_l2.ts";
import { MAX_WASM_THREADS, parseWasmThreads, useThreadedWasm } from "./threaded_wasm.ts";

function faceScoreSum(detector: WhiteBoxDetector, x: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => tf.sigmoid(detector.faceLogits(x)).sum() as tf.Scalar);
}

function logitsOf(detector: WhiteBoxDetector, x: tf.Tensor4D): Float32Array {
  const logits = detector.faceLogits(x);
  const values = logits.dataSync() as Float32Array;
  logits.dispose();
  return values;
}

Deno.test("threaded wasm: bad thread counts are refused in one line naming the source", () => {
  for (const bad of [0, -1, 1.5, MAX_WASM_THREADS + 1, "two", ""]) {
    assert.throws(
      () => parseWasmThreads(bad, "EQUALAIS_WASM_THREADS"),
      (error: Error) =>
        error instanceof UserError && error.message.includes("EQUALAIS_WASM_THREADS") &&
        !error.message.includes("\n"),
    );
  }
  assert.equal(parseWasmThreads("3", "x"), 3);
  assert.throws(() => requestedWasmThreads(0), UserError);
});

Deno.test("threaded wasm: two XNNPACK threads, detectors agree with the cpu backend", async () => {
  const info = await initBackend("wasm", { wasmThreads: 2 });
  assert.equal(info.name, "wasm");
  // Read from XNNPACK's pool: 2 only if the second pthread was created.
  assert.equal(info.wasmThreads, 2);
  // Once started, another count cannot take over silently.
  await assert.rejects(() => useThreadedWasm(3), UserError);
  await assert.rejects(() => initBackend("wasm", { wasmThreads: 1 }), UserError);
  // Result rows say so.
  assert.equal((await collectProvenance("wasm")).wasm_threads, 2);

  const image = await resizeImage(await readSample(1), 480);
  for (const id of WHITEBOX_IDS) {
    await initBackend("wasm", { wasmThreads: 2 });
    await unloadDetectors();
    const detector = await loadWhiteBoxDetector(id);
    const x = imageToTensor(image);
    const gradient = tf.grad((input) => faceScoreSum(detector, input as tf.Tensor4D));
    const threadedLogits = logitsOf(detector, x);
    const threadedGradient = gradient(x).dataSync() as Float32Array;

    await initBackend("cpu");
    await unloadDetectors();
    const cpuDetector = await loadWhiteBoxDetector(id);
    const cpuGradient = tf.grad((input) => faceScoreSum(cpuDetector, input as tf.Tensor4D));
    const cpuLogits = logitsOf(cpuDetector, x);
    const cpuGrad = cpuGradient(x).dataSync() as Float32Array;
    x.dispose();

    const logitsGap = relativeL2(cpuLogits, threadedLogits, `${id} cpu logits`);
    const gradientGap = relativeL2(cpuGrad, threadedGradient, `${id} cpu gradient`);
    console.log(
      `${id}: threaded wasm vs cpu, logits ${logitsGap.toExponential(2)}, ` +
        `gradient ${gradientGap.toExponential(2)} (relative L2)`,
    );
    // The tolerances of the single-threaded comparison (detectors/gradient_test.ts):
    // rounding differs between backends, a few ReLUs at zero switch.
    assert.ok(logitsGap < 1e-3, `${id}: logits differ by ${logitsGap}`);
    assert.ok(gradientGap < 0.03, `${id}: gradients differ by ${gradientGap}`);
  }
  await initBackend("wasm", { wasmThreads: 2 });
});
