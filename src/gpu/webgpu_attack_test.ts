/**
 * An attack on the webgpu backend (the software adapter in CI) does what it does on
 * wasm: robust BIM through the real-JPEG channel hides every face of a downscaled sample
 * from blazeface-front, and the written file shows no face to the detector on either
 * backend, while the clean photo shows them.
 */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { loadDetector } from "../detectors/registry.ts";
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
