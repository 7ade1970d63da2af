/**
 * The transfer boosters reach the protect path: perturbPhoto passes them through its attack
 * options (escalating budgets warm-start the multi-resolution variable), the result follows
 * the seed, and it differs from the photo protected without them.
 */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { perturbPhoto } from "../protect/perturb_photo.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";

Deno.test("protect takes ghosts, scale and shift diversity and levels as attack options", async () => {
  await initBackend("wasm");
  const image = await resizeImage(await readSample(1), 320);
  const protect = (boosters: Record<string, number>) =>
    perturbPhoto(image, {
      attack: "mifgsm",
      eps: 8,
      steps: 8,
      escalation: { start: 4, ratio: 2, stepsPerRung: 4 },
      detectors: ["blazeface-front"],
      robust: false,
      seed: 3,
      checkEvery: 4,
      attackOptions: { ...boosters },
    });
  const boosters = {
    ghostDropout: 0.005,
    ghostSkip: 0.1,
    augmentScale: 0.2,
    augmentShift: 0.05,
    levels: 3,
  };
  const a = await protect(boosters);
  const b = await protect(boosters);
  const plain = await protect({});
  assert.ok(a.stepsRun > 0 && a.rungs.length >= 1);
  assert.deepEqual(a.image.data, b.image.data, "same seed, same photo");
  assert.notDeepEqual(a.image.data, plain.image.data, "the boosters changed the attack");
  await assert.rejects(protect({ ghostSkip: 1 }), /ghostSkip must be a rate in \[0, 1\), got 1/);
});
