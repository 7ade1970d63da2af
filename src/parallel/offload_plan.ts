/**
 * Which thread computes which part of the objective. Thread 0 is the main thread; the
 * others are gradient workers. An ensemble is spread member by member (costliest first,
 * each to the least loaded thread, workers before the main thread on ties, since the
 * main thread also runs the resizes and the step); a single detector's batch is split
 * into near-equal parts instead.
 */

/**
 * Step milliseconds per megapixel of input for a detector that states none
 * (WhiteBoxDetector.stepMs): about the BlazeFace family's on wasm.
 */
export const DEFAULT_STEP_MS_PER_MEGAPIXEL = 1200;

/** What one ensemble member costs: one image's step and its batch size. */
export interface MemberLoad {
  /** Cost of one image's forward and gradient step, in any unit shared by the members. */
  imageCost: number;
  /** Images it sees per step. */
  batch: number;
}

/** A slice of one member's batch and the thread that computes it. */
export interface PlannedPart {
  /** Index of the member. */
  member: number;
  /** First image of the slice. */
  start: number;
  /** Images in the slice. */
  count: number;
  /** 0: the main thread; k >= 1: worker k - 1. */
  thread: number;
}

/** Spreads the members over at most `threads` threads (see the module note). */
export function offloadPlan(loads: readonly MemberLoad[], threads: number): PlannedPart[] {
  if (!(Number.isInteger(threads) && threads >= 1)) {
    throw new RangeError(`threads must be a whole number >= 1, got ${threads}`);
  }
  if (loads.length === 1 && threads > 1 && loads[0].batch > 1) {
    const { batch } = loads[0];
    const parts = Math.min(threads, batch);
    return Array.from({ length: parts }, (_, p) => {
      const start = Math.round((p * batch) / parts);
      const end = Math.round(((p + 1) * batch) / parts);
      return { member: 0, start, count: end - start, thread: p };
    });
  }
  const busy = new Array(Math.min(threads, loads.length)).fill(0);
  const cost = (m: number) => loads[m].imageCost * loads[m].batch;
  const order = loads.map((_, m) => m).sort((a, b) => cost(b) - cost(a) || a - b);
  const plan: PlannedPart[] = [];
  for (const m of order) {
    let thread = busy.length - 1;
    for (let t = busy.length - 1; t >= 0; t--) if (busy[t] < busy[thread]) thread = t;
    busy[thread] += cost(m);
    plan.push({ member: m, start: 0, count: loads[m].batch, thread });
  }
  return plan.sort((a, b) => a.member - b.member || a.start - b.start);
}

/** Threads a plan keeps busy, the main one included (never more than it has parts). */
export function threadsUsed(plan: readonly PlannedPart[]): number {
  return 1 + Math.max(0, ...plan.map((part) => part.thread));
}
