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
  // 0.9 hides, 0.72 does not, 0.81 does not, 0.855 hides, 0.8325 hides, 0.82125 does not.
  assert.deepEqual(await search(0.83, 6), {
    scale: 0.8325,
    checked: [0.9, 0.72, 0.81, 0.855, 0.8325, 0.8213],
  });
  assert.deepEqual(await search(0.83, 4), { scale: 0.855, checked: [0.9, 0.72, 0.81, 0.855] });
  // Far from the boundary: every check moves down by 0.8.
  assert.deepEqual(await search(0.3, 4), {
    scale: 0.9 * 0.8 ** 3,
    checked: [0.9, 0.72, 0.576, 0.4608],
  });
});

Deno.test("a change with no margin stays at scale 1, after four checks", async () => {
  // 0.9, 0.95, 0.975 and 0.9875 leave a face; 1 - 0.9875 is within the resolution: stop.
  assert.deepEqual(await search(1, 10), { scale: 1, checked: [0.9, 0.95, 0.975, 0.9875] });
  // A margin of 3.75%: found to the resolution, 1 / 80.
  const margin = await search(0.96, 10);
  assert.deepEqual(margin.checked, [0.9, 0.95, 0.975, 0.9625]);
  assert.ok(Math.abs(margin.scale - 0.9625) < 1e-12, `${margin.scale}`);
});

Deno.test("the search stops at the resolution and at the check limit", async () => {
  // 0.9 fails, 0.95 hides, 0.925 fails, 0.9375 hides: 1 / 80 apart, no further check even
  // with checks to spare.
  assert.deepEqual(await search(0.93, 10), {
    scale: 0.9375,
    checked: [0.9, 0.95, 0.925, 0.9375],
  });
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
