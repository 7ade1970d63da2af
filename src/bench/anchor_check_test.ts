/**
 * The PyTorch anchor computes the same face logits as TensorFlow.js, for face-api's SSD
 * (512), face-api's Tiny detector (608) and FaceBoxes (1024), on a real photo at the
 * model's input size: every logit within 1e-5 relative (|diff| / max(1, |logit|)), every
 * score and the anchor's loss (the sum of scores) within 1e-5. Needs python3-torch, as
 * the benchmark does; without it the test fails and says how to install it.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { readSample } from "../testing/fixtures.ts";
import { checkAnchor, CHECKED_MODELS } from "./anchor_check.ts";
import { torchPython } from "./torch_anchor.ts";

const SIZES: Record<string, number> = { "faceapi-ssd": 512, "faceapi-tiny": 608, faceboxes: 1024 };

async function requireTorch(): Promise<void> {
  const ok = await new Deno.Command(torchPython(), {
    args: ["-c", "import torch"],
    stdout: "null",
    stderr: "null",
  }).output().then((o) => o.success, () => false);
  if (!ok) {
    throw new Error("python3-torch is missing: `deno task setup --bench` installs it (root, apt)");
  }
}

for (const model of CHECKED_MODELS) {
  Deno.test(`anchor ${model}: PyTorch's face logits equal TensorFlow.js's within 1e-5`, async () => {
    await requireTorch();
    await initBackend("wasm");
    const size = SIZES[model];
    // Sample 2 (a group photo) squeezed to the input size: faces and background, whole grey levels.
    const photo = imageToTensor(await readSample(2));
    const image: tf.Tensor4D = tf.tidy(() =>
      tf.image.resizeBilinear(photo, [size, size]).round().clipByValue(0, 255) as tf.Tensor4D
    );
    const agreement = await checkAnchor(model, image);
    tf.dispose([photo, image]);
    const text = JSON.stringify(agreement);
    // Not a degenerate input: some anchors see a face, most do not.
    assert.ok(agreement.logit_range[0] < -3 && agreement.logit_range[1] > 0, text);
    assert.ok(agreement.max_rel_logit <= 1e-5, text);
    assert.ok(agreement.max_abs_score <= 1e-5, text);
    assert.ok(agreement.rel_loss <= 1e-5, text);
  });
}
