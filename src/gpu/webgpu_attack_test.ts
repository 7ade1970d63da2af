/**
 * Attacks on the webgpu backend (the software adapter in CI) do what they do on wasm:
 * robust BIM through the real-JPEG channel hides every face of a downscaled sample from
 * blazeface-front, and the written file shows no face to the detector on either backend,
 * while the clean photo shows them; every registered attack lowers the face scores
 * within its budget.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { loadDetector, loadWhiteBoxDetector } from "../detectors/registry.ts";
import { ATTACKS } from "../attacks/registry.ts";
import { detectionObjective } from "../attacks/objective.ts";
import { Perturbation } from "../attacks/perturbation.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { readImage } from "../image/decode.ts";
import { encodeImage, writeFileAtomic } from "../image/encode.ts";
import { perturbPhoto } from "../protect/perturb_photo.ts";
import { PROTECT_DEFAULTS } from "../protect/defaults.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { webgpuErrors } from "./webgpu_backend.ts";
import { WEBGPU_SKIP_REASON } from "./webgpu_testing.ts";

Deno.test({
  name: "webgpu: a robust attack hides the faces of a downscaled sample in the written file",
  ignore: WEBGPU_SKIP_REASON !== undefined,
}, async () => {
  const info = await initBackend("webgpu");
  assert.equal(info.name, "webgpu");
  const photo = await resizeImage(await readSample(1), 320);
  const dir = await Deno.makeTempDir({ prefix: "equalais-webgpu-" });
  try {
    // Measured on wasm and llvmpipe alike: 10 steps at eps 16 hide all 3 faces.
    const result = await perturbPhoto(photo, {
      attack: "bim",
      eps: 16,
      stepSize: 2,
      steps: 30,
      detectors: ["blazeface-front"],
      robust: true,
      eot: PROTECT_DEFAULTS.eot,
      seed: 1,
      faceMask: false,
      variableSide: 160,
      checkEvery: 5,
    });
    assert.ok(result.cleanFaces["blazeface-front"].length >= 2, "the clean photo shows faces");
    assert.equal(result.facesLeft, 0);
    const path = `${dir}/protected.png`;
    await writeFileAtomic(path, await encodeImage(result.image, "png"));
    const written = await readImage(path);
    for (const backend of ["webgpu", "wasm"]) {
      await initBackend(backend);
      const detector = await loadDetector("blazeface-front");
      assert.equal((await detector.detect(photo)).length >= 2, true, `${backend}: clean photo`);
      assert.deepEqual(await detector.detect(written), [], `${backend}: written file`);
    }
    assert.deepEqual(webgpuErrors(), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await initBackend("wasm");
  }
});

Deno.test({
  name: "webgpu: every attack lowers blazeface-front's face scores within its budget",
  ignore: WEBGPU_SKIP_REASON !== undefined,
}, async () => {
  await initBackend("webgpu");
  const detector = await loadWhiteBoxDetector("blazeface-front");
  const clean = imageToTensor(await resizeImage(await readSample(1), 192));
  const scoreSum = async (images: tf.Tensor4D) => {
    const sum = tf.tidy(() => tf.sigmoid(detector.faceLogits(images)).sum());
    const value = (await sum.data())[0];
    sum.dispose();
    return value;
  };
  const before = await scoreSum(clean);
  try {
    for (const entry of ATTACKS) {
      const perturbation = new Perturbation(clean.shape, { factor: 2 });
      const result = await entry.run(
        { clean, objective: detectionObjective([{ detector }]), perturbation },
        { eps: 8, steps: 2, seed: 3 },
      );
      const after = await scoreSum(result.adversarial);
      const linf = tf.tidy(() => result.adversarial.sub(clean).abs().max());
      const moved = (await linf.data())[0];
      assert.ok(after < before, `${entry.name}: face scores ${after} vs ${before} before`);
      assert.ok(moved > 0 && moved <= 8, `${entry.name}: L-inf ${moved}`);
      tf.dispose([result.adversarial, linf]);
      perturbation.dispose();
    }
    assert.deepEqual(webgpuErrors(), []);
  } finally {
    clean.dispose();
    await initBackend("wasm");
  }
});
