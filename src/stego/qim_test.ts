/** Dithered QIM: targets carry their bit, readings survive noise under a quarter step. */
import assert from "node:assert/strict";
import { seededRandom } from "../random.ts";
import {
  DEFAULT_QIM_STEP,
  ditherFor,
  HEADER_QIM_STEPS,
  headerStepFor,
  qimSoft,
  qimTarget,
} from "./qim.ts";

Deno.test("qimTarget moves at most half a step and reads back as its bit", () => {
  const random = seededRandom(3);
  for (let i = 0; i < 1000; i++) {
    const value = random.uniform(-200, 200), step = random.uniform(4, 40);
    const dither = ditherFor(i, 99), bit = i & 1;
    const target = qimTarget(value, bit, step, dither);
    assert.ok(Math.abs(target - value) <= step / 2 + 1e-9);
    assert.ok(Math.abs(qimSoft(target, step, dither) - (bit ? -1 : 1)) < 1e-9);
    // Any noise below a quarter step keeps the reading's sign.
    const noisy = target + random.uniform(-0.249, 0.249) * step;
    assert.equal(Math.sign(qimSoft(noisy, step, dither)), bit ? -1 : 1);
  }
});

Deno.test("ditherFor is deterministic, in [0, 1), and differs between keys", () => {
  let same = 0, sum = 0;
  for (let slot = 0; slot < 10000; slot++) {
    const d = ditherFor(slot, 1);
    assert.ok(d >= 0 && d < 1);
    assert.equal(d, ditherFor(slot, 1));
    if (d === ditherFor(slot, 2)) same++;
    sum += d;
  }
  assert.equal(same, 0);
  assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
});

Deno.test("unmarked coefficients read as coin flips: soft readings average near 0", () => {
  let sum = 0;
  for (let slot = 0; slot < 20000; slot++) sum += qimSoft(0, 12, ditherFor(slot, 5));
  assert.ok(Math.abs(sum / 20000) < 0.03, `${sum / 20000}`);
});

Deno.test("headerStepFor follows stronger bodies up the list and never goes below the default", () => {
  assert.equal(headerStepFor(4), HEADER_QIM_STEPS[0]);
  assert.equal(headerStepFor(DEFAULT_QIM_STEP), DEFAULT_QIM_STEP);
  assert.equal(headerStepFor(23), 16);
  assert.equal(headerStepFor(24), 24);
  assert.equal(headerStepFor(63), 48);
});
