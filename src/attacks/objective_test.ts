/**
 * Batching in the objective: a chunked forward/backward gives the gradient of the whole
 * batch at a fraction of the memory, and photos attacked together in one batch take the step
 * each takes alone (robust mode with real JPEG included).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { loadWhiteBoxDetector } from "../detectors/registry.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { detectionObjective } from "./objective.ts";
import { chunkedHingeLoss } from "../detectors/hinge_loss.ts";
import { Perturbation } from "./perturbation.ts";
import { getAttack } from "./registry.ts";
import type { WhiteBoxDetector } from "../detectors/types.ts";

Deno.test("a chunked batch has the whole batch's loss and gradient in less memory", async () => {
  await initBackend("wasm");
  const detector = await loadWhiteBoxDetector("blazeface-front");
  const photo = imageToTensor(await resizeImage(await readSample(1), 256));
  // Five differently brightened copies: distinct images with faces.
  const batch = tf.tidy(() =>
    tf.concat([0.6, 0.8, 1, 1.1, 1.2].map((k) => photo.mul(k).clipByValue(0, 255)))
  ) as tf.Tensor4D;
  const run = async (chunk?: number) => {
    let value = 0;
    let gradient: Float32Array = new Float32Array();
    const { peakBytes } = await tf.profile(() => {
      const { value: v, grad } = tf.valueAndGrad((x: tf.Tensor) =>
        chunkedHingeLoss(detector, x as tf.Tensor4D, 2, chunk)
      )(batch);
      value = v.dataSync()[0];
      gradient = grad.dataSync() as Float32Array;
      tf.dispose([v, grad]);
    });
    return { value, gradient, peakBytes };
  };
  const whole = await run();
  const chunked = await run(2);
  const wholePeak = whole.peakBytes;
  const chunkedPeak = chunked.peakBytes;
  assert.ok(whole.value > 0, "the photos show faces");
  assert.ok(Math.abs(chunked.value - whole.value) <= 1e-5 * whole.value, `${chunked.value}`);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < whole.gradient.length; i++) {
    diff += (whole.gradient[i] - chunked.gradient[i]) ** 2;
    norm += whole.gradient[i] ** 2;
  }
  assert.ok(norm > 0);
  assert.ok(Math.sqrt(diff / norm) < 1e-5, `relative L2 ${Math.sqrt(diff / norm)}`);
  console.log(`peak bytes: whole batch ${wholePeak}, chunks of 2 ${chunkedPeak}`);
  assert.ok(chunkedPeak < 0.8 * wholePeak, `${chunkedPeak} vs ${wholePeak}`);
  tf.dispose([photo, batch]);
});

// XNNPACK's results depend slightly on the batch size (measured on wasm: identical
// gradients at the first step, then differences of ~1e-3 that signed steps amplify), so
// the comparison is of one step, where a mix-up between photos or channels would show.
Deno.test("photos attacked in one batch take the step each takes alone", async () => {
  await initBackend("wasm");
  const detector = await loadWhiteBoxDetector("blazeface-front");
  const first = await resizeImage(await readSample(1), 240);
  // A second, different photo of the same size: sample2 cropped to sample1's shape.
  const second = await resizeImage(await readSample(2), 240);
  const rows = first.height * first.width * 3;
  const photos = [
    imageToTensor(first),
    imageToTensor({ ...first, data: second.data.subarray(0, rows) }),
  ];
  const attack = async (clean: tf.Tensor4D, robust: boolean) => {
    const objective = detectionObjective([{ detector }], {
      seed: 4,
      eot: robust
        ? { mode: "bpda", includeOriginal: true, samples: 1, jpegQuality: [70, 90], scale: [1, 1] }
        : undefined,
      batchSize: robust ? 3 : undefined,
    });
    const perturbation = new Perturbation(clean.shape, { factor: 2 });
    const result = await getAttack("pgd").run({ clean, objective, perturbation }, {
      eps: 8,
      steps: 1,
      stepSize: 2,
      seed: 9,
    });
    objective.dispose?.();
    perturbation.dispose();
    return result.adversarial;
  };
  for (const robust of [false, true]) {
    const alone = [await attack(photos[0], robust), await attack(photos[1], robust)];
    const batch = tf.concat(photos) as tf.Tensor4D;
    const together = await attack(batch, robust);
    for (let i = 0; i < 2; i++) {
      const mine = together.slice([i, 0, 0, 0], [1, -1, -1, -1]);
      const differing = tf.tidy(() => mine.notEqual(alone[i]).mean().dataSync()[0]);
      const moved = tf.tidy(() => mine.notEqual(photos[i]).mean().dataSync()[0]);
      console.log(`robust ${robust}, photo ${i}: ${moved} changed, ${differing} differ`);
      assert.ok(moved > 0.5, "the attack changed the photo");
      // Quantisation to 8 bits flips a handful of values that sit at a rounding edge.
      assert.ok(differing < 1e-3, `robust ${robust}, photo ${i}: ${differing} of values differ`);
      mine.dispose();
    }
    tf.dispose([...alone, batch, together]);
  }
  tf.dispose(photos);
});

// A detector built by hand (it stays on the main thread): one anchor whose logit is the
// mean grey level minus 100, so it runs in microseconds; `fail` makes it throw.
function toyDetector(fail: { now: boolean }): WhiteBoxDetector {
  return {
    id: "toy",
    family: "toy",
    kind: "whitebox",
    threshold: 0.5,
    logitThreshold: 0,
    inputSize: 8,
    description: "mean grey level minus 100",
    detect: () => Promise.resolve([]),
    dispose: () => {},
    faceLogits(images: tf.Tensor4D): tf.Tensor2D {
      if (fail.now) throw new Error("detector failed");
      return tf.tidy(() => images.mean([1, 2, 3]).sub(100).reshape([-1, 1]) as tf.Tensor2D);
    },
  };
}

Deno.test("a failing step leaves the objective's tensor count unchanged", async () => {
  await initBackend("wasm");
  const fail = { now: false };
  const clean = tf.fill([2, 12, 12, 3], 120) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const objective = detectionObjective([{ detector: toyDetector(fail) }], {
    eot: { mode: "bpda", includeOriginal: true, samples: 2, jpegQuality: [80, 90], scale: [1, 1] },
    threads: 1,
  });
  const perturbation = new Perturbation(clean.shape, { factor: 2 });
  // The detector fails at step 2, after prepare() has kept its re-encoded photos.
  const failing = getAttack("pgd").run({
    clean,
    objective,
    perturbation,
    onStep: () => fail.now = true,
  }, { eps: 8, steps: 4, seed: 1 });
  await assert.rejects(failing, /detector failed/);
  perturbation.dispose(); // its resize matrices are made during the attack
  // prepare()'s re-encoded photos stay with the objective until the next step or dispose().
  objective.dispose?.();
  assert.equal(tf.memory().numTensors, before, "tensors left by a detector failing mid-step");
  // A candidate the real channel cannot take (four channels) fails half-way through a batch.
  const fresh = detectionObjective([{ detector: toyDetector(fail) }], {
    eot: { mode: "bpda", samples: 1, jpegQuality: [80, 80], scale: [1, 1] },
    threads: 1,
  });
  const bad = tf.zeros([2, 12, 12, 4]) as tf.Tensor4D;
  await assert.rejects(fresh.prepare!(bad, 1), /expected shape/);
  bad.dispose();
  assert.equal(tf.memory().numTensors, before, "tensors left by a failed re-encoding");
  fresh.dispose?.();
  clean.dispose();
});
