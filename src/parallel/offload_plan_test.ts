/** The plan: whole members by cost over threads, a lone detector's batch in parts. */
import assert from "node:assert/strict";
import { offloadPlan, threadsUsed } from "./offload_plan.ts";

const ensemble = [
  { inputSize: 256, batch: 1 }, // blazeface-back
  { inputSize: 128, batch: 1 }, // blazeface-front
  { inputSize: 192, batch: 1 }, // mediapipe-full
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

Deno.test("more threads than members: one member per thread, no idle workers", () => {
  const plan = offloadPlan(ensemble, 4);
  assert.deepEqual(plan.map((p) => p.thread).sort(), [0, 1, 2]);
  assert.equal(threadsUsed(plan), 3);
});

Deno.test("a lone detector's batch is split into near-equal parts covering it once", () => {
  for (const [batch, threads] of [[8, 2], [7, 3], [3, 4], [2, 2]]) {
    const plan = offloadPlan([{ inputSize: 128, batch }], threads);
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
  assert.deepEqual(offloadPlan([{ inputSize: 128, batch: 1 }], 4), [
    { member: 0, start: 0, count: 1, thread: 0 },
  ]);
  assert.equal(threadsUsed(offloadPlan([{ inputSize: 128, batch: 1 }], 4)), 1);
});

Deno.test("a thread count that is not a whole number >= 1 is refused", () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => offloadPlan(ensemble, bad), /threads must be a whole number/);
  }
});
