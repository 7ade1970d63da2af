/**
 * The adversarial layer with the recommended settings: in robust mode a protected
 * sample shows no face to any white-box detector on the output and after a real JPEG
 * q75 re-encode; an L2 budget holds on the 8-bit result.
 */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { jpegRoundTrip } from "../image/encode.ts";
import { DEFAULT_SOURCE_IDS, loadDetector } from "../detectors/registry.ts";
import { l2, linf } from "../metrics/perturbation_norms.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { PROTECT_DEFAULTS } from "./defaults.ts";
import { perturbPhoto } from "./perturb_photo.ts";

Deno.test("robust defaults: no white-box face on the output or after JPEG q75", async () => {
  await initBackend("wasm");
  const image = await resizeImage(await readSample(1), 640);
  const result = await perturbPhoto(image, {
    ...PROTECT_DEFAULTS,
    eot: PROTECT_DEFAULTS.eot,
    detectors: [...DEFAULT_SOURCE_IDS],
  });
  assert.ok(result.stepsRun <= PROTECT_DEFAULTS.steps);
  assert.ok(linf(image, result.image) <= PROTECT_DEFAULTS.eps);
  const reencoded = await jpegRoundTrip(result.image, 75);
  for (const id of DEFAULT_SOURCE_IDS) {
    const detector = await loadDetector(id);
    assert.ok((await detector.detect(image)).length >= 2, `${id}: clean faces`);
    assert.equal((await detector.detect(result.image)).length, 0, `${id}: faces on the output`);
    assert.equal((await detector.detect(reencoded)).length, 0, `${id}: faces after JPEG q75`);
  }
});

Deno.test("an L2 budget holds on the 8-bit result", async () => {
  await initBackend("wasm");
  const image = await resizeImage(await readSample(4), 480);
  const result = await perturbPhoto(image, {
    attack: "pgd",
    norm: "l2",
    // L2 over the 0..1 image: 5 is an RMS change of about 2 grey levels at 480x320.
    eps: 5,
    steps: 10,
    detectors: ["blazeface-front"],
    robust: false,
    seed: 4,
  });
  const distance = l2(image, result.image);
  assert.ok(distance > 1, `the attack barely moved: L2 ${distance}`);
  assert.ok(distance <= 5, `L2 ${distance} exceeds the budget 5`);
});
