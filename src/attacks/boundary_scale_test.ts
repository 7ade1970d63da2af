/**
 * The boundary search's schedule, against a check whose boundary is known: a change is
 * protected at every scale from `boundary` up.
 */
import assert from "node:assert/strict";
import { boundaryScale } from "./boundary_scale.ts";

/** Runs the search against a known boundary; returns its answer and the scales it checked. */
async function search(boundary: number, checks: number) {
  const checked: number[] = [];
  const scale = await boundaryScale((s) => {
    checked.push(Number(s.toFixed(4)));
    return Promise.resolve(s >= boundary);
  }, checks);
  return { scale, checked };
}

Deno.test("the search goes down by 0.8 from 0.9 while protected, then bisects", async () => {
  // 0.9 hides, 0.72 does not, 0.81 does not, 0.855 hides.
  assert.deepEqual(await search(0.83, 4), { scale: 0.855, checked: [0.9, 0.72, 0.81, 0.855] });
  // Far from the boundary: every check moves down by 0.8.
  assert.deepEqual(await search(0.3, 4), {
    scale: 0.9 * 0.8 ** 3,
    checked: [0.9, 0.72, 0.576, 0.4608],
  });
});

Deno.test("a change with no margin stays at scale 1, after three checks", async () => {
  // 0.9, 0.95 and 0.975 leave a face (1 - 0.95 is a hair above 0.05 in floating point, so
  // 0.975 is checked too); 1 - 0.975 is within the resolution: stop.
  assert.deepEqual(await search(1, 10), { scale: 1, checked: [0.9, 0.95, 0.975] });
});

Deno.test("the search stops at the resolution and at the check limit", async () => {
  // 0.9 fails, 0.95 hides: 0.05 apart, no further check even with checks to spare.
  assert.deepEqual(await search(0.93, 10), { scale: 0.95, checked: [0.9, 0.95] });
  assert.deepEqual(await search(0.5, 0), { scale: 1, checked: [] });
  assert.deepEqual(await search(0.5, 1), { scale: 0.9, checked: [0.9] });
});

Deno.test("the search stops when aborted and refuses a bad check count", async () => {
  const controller = new AbortController();
  const checked: number[] = [];
  const scale = await boundaryScale(
    (s) => {
      checked.push(s);
      controller.abort();
      return Promise.resolve(true);
    },
    5,
    controller.signal,
  );
  assert.deepEqual({ scale, checked }, { scale: 0.9, checked: [0.9] });
  await assert.rejects(
    () => boundaryScale(() => Promise.resolve(true), 1.5),
    /boundary checks must be a whole number >= 0, got 1.5/,
  );
});
