/**
 * The second attempt for a visible change, on a real photo and detector: it runs only when
 * the first attempt's SSIM is below the threshold, keeps the protected photo with the higher
 * SSIM (measured here afresh), counts both attempts' steps, and refuses bad settings.
 */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { ssim } from "../metrics/ssim.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { loadWhiteBoxDetector } from "../detectors/registry.ts";
import type { PerturbOptions } from "./perturb_photo.ts";
import { perturbWithRetry } from "./visible_retry.ts";

const OPTIONS: PerturbOptions = {
  attack: "pgd",
  detectors: ["blazeface-front"],
  robust: false,
  seed: 1,
  checkEvery: 2,
  eps: 16,
  steps: 60,
  escalation: { start: 4, ratio: 2, stepsPerRung: 20 },
};

Deno.test("a protected photo below the SSIM threshold is protected again along the finer ladder; the less changed one is kept", async () => {
  await initBackend("wasm");
  const image = await resizeImage(await readSample(1), 320);
  let retried = 0;
  // Every change lowers SSIM below 1: the second attempt always runs.
  const result = await perturbWithRetry(
    image,
    { ...OPTIONS, visibleRetry: { below: 1, ratio: 1.5 } },
    () => retried++,
  );
  assert.equal(retried, 1);
  assert.equal(result.facesLeft, 0, "protected");
  const retry = result.retry!;
  assert.ok(retry, "the second attempt is reported");
  const measured = ssim(image, result.image);
  if (retry.kept === "second") {
    assert.ok(retry.ssimSecond! > retry.ssimFirst);
    assert.ok(Math.abs(measured - retry.ssimSecond!) < 1e-12);
  } else {
    assert.ok(retry.ssimSecond === null || retry.ssimSecond <= retry.ssimFirst);
    assert.ok(Math.abs(measured - retry.ssimFirst) < 1e-12);
  }
  // The kept attempt's budgets are the rungs; the other's steps are counted on top.
  const rungSteps = result.rungs.reduce((sum, rung) => sum + rung.stepsRun, 0);
  assert.equal(result.stepsRun, rungSteps + retry.discardedSteps);
  const finerBudgets = [4, 6, 9, 13.5, 16];
  if (retry.kept === "second") {
    assert.ok(result.rungs.every((rung) => finerBudgets.includes(rung.eps)), "the finer ladder's");
  }
  // The kept photo hides the face from the detector, judged afresh.
  const detector = await loadWhiteBoxDetector("blazeface-front");
  assert.equal((await detector.detect(result.image)).length, 0);
});

Deno.test("a photo whose change does not show, or a ladder the finer ratio does not change, gets one attempt", async () => {
  await initBackend("wasm");
  const image = await resizeImage(await readSample(1), 320);
  let retried = 0;
  const easy = await perturbWithRetry(
    image,
    { ...OPTIONS, visibleRetry: { below: 0.5, ratio: 1.5 } },
    () => retried++,
  );
  assert.equal(easy.facesLeft, 0);
  assert.ok(ssim(image, easy.image) >= 0.5);
  assert.equal(easy.retry, undefined);
  // 7.75 then the ceiling 8 with either ratio: the same ladder, nothing to retry.
  const same = await perturbWithRetry(
    image,
    {
      ...OPTIONS,
      eps: 8,
      escalation: { start: 7.75, ratio: 1.4, stepsPerRung: 20 },
      visibleRetry: { below: 1, ratio: 1.2 },
    },
    () => retried++,
  );
  assert.equal(same.retry, undefined);
  assert.equal(retried, 0);
});

Deno.test("bad second-attempt settings are refused in one line naming the option", async () => {
  const image = await resizeImage(await readSample(1), 128);
  await assert.rejects(
    perturbWithRetry(image, { ...OPTIONS, visibleRetry: { below: 0.95, ratio: 2 } }),
    /visibleRetry.ratio must be above 1 and below the ladder's ratio 2, got 2/,
  );
  await assert.rejects(
    perturbWithRetry(image, { ...OPTIONS, visibleRetry: { below: 1.5, ratio: 1.2 } }),
    /visibleRetry.below must be in \(0, 1\], got 1.5/,
  );
});
