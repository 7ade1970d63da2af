/** The plan: whole members by cost over threads, a lone detector's batch in parts. */
import assert from "node:assert/strict";
import { offloadPlan, threadsUsed } from "./offload_plan.ts";

const ensemble = [
  { imageCost: 75, batch: 1 }, // blazeface-back, ms a step on wasm
  { imageCost: 16, batch: 1 }, // blazeface-front
  { imageCost: 53, batch: 1 }, // mediapipe-full
];

Deno.test("one thread: every member whole on the main thread", () => {
  assert.deepEqual(offloadPlan(ensemble, 1), [
    { member: 0, start: 0, count: 1, thread: 0 },
    { member: 1, start: 0, count: 1, thread: 0 },
    { member: 2, start: 0, count: 1, thread: 0 },
  ]);
});

Deno.test("two threads: the largest member to the worker, the rest to the main thread", () => {
  const plan = offloadPlan(ensemble, 2);
  assert.deepEqual(plan.map((p) => p.thread), [1, 0, 0]);
  assert.equal(threadsUsed(plan), 2);
});

Deno.test("members are weighed by cost, not input size: the costliest gets a worker", () => {
  // The six neural detectors on a 250x188 photo, ms a step on wasm: SSD 553, Tiny 224,
  // FaceBoxes at the photo's size 13 (292 at 1024x1024), the BlazeFace family 75, 53, 16.
  const six = [553, 224, 13, 75, 53, 16].map((imageCost) => ({ imageCost, batch: 1 }));
  const plan = offloadPlan(six, 2);
  assert.deepEqual(plan.map((p) => p.thread), [1, 0, 0, 0, 0, 0]);
  // At 1 MP FaceBoxes costs about half of SSD: the two end on different threads, and the
  // threads' loads differ by less than the smallest member.
  const atOneMegapixel = [553, 224, 292, 75, 53, 16].map((imageCost) => ({ imageCost, batch: 1 }));
  const spread = offloadPlan(atOneMegapixel, 2);
  const loads = [0, 0];
  for (const part of spread) loads[part.thread] += atOneMegapixel[part.member].imageCost;
  assert.notEqual(spread[0].thread, spread[2].thread);
  assert.ok(Math.abs(loads[0] - loads[1]) <= 16, `${loads}`);
});

Deno.test("more threads than members: one member per thread, no idle workers", () => {
  const plan = offloadPlan(ensemble, 4);
  assert.deepEqual(plan.map((p) => p.thread).sort(), [0, 1, 2]);
  assert.equal(threadsUsed(plan), 3);
});

Deno.test("a lone detector's batch is split into near-equal parts covering it once", () => {
  for (const [batch, threads] of [[8, 2], [7, 3], [3, 4], [2, 2]]) {
    const plan = offloadPlan([{ imageCost: 1, batch }], threads);
    assert.equal(plan.length, Math.min(batch, threads));
    let next = 0;
    for (const [i, part] of plan.entries()) {
      assert.equal(part.start, next, `batch ${batch}, threads ${threads}`);
      assert.equal(part.thread, i);
      next += part.count;
    }
    assert.equal(next, batch);
    const counts = plan.map((p) => p.count);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${counts}`);
  }
  assert.deepEqual(offloadPlan([{ imageCost: 1, batch: 1 }], 4), [
    { member: 0, start: 0, count: 1, thread: 0 },
  ]);
  assert.equal(threadsUsed(offloadPlan([{ imageCost: 1, batch: 1 }], 4)), 1);
});

Deno.test("a thread count that is not a whole number >= 1 is refused", () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => offloadPlan(ensemble, bad), /threads must be a whole number/);
  }
});
