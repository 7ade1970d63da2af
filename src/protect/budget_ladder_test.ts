/** The budget ladder: smallest budget first, ratio steps, the ceiling last, steps shared out. */
import assert from "node:assert/strict";
import { UserError } from "../errors.ts";
import { budgetLadder } from "./budget_ladder.ts";

const LADDER = { start: 4, ratio: 1.4, stepsPerRung: 40 };

Deno.test("rungs grow by the ratio to the ceiling, which gets the steps left over", () => {
  // 4, 4 x 1.4 = 5.6 -> 5.5, 7.7 -> 7.75, 10.85 -> 10.75; 10.75 x 1.4 = 15.05 is within
  // sqrt(1.4) of 16, so the ceiling follows directly.
  assert.deepEqual(budgetLadder(16, 240, LADDER), [
    { eps: 4, steps: 40 },
    { eps: 5.5, steps: 40 },
    { eps: 7.75, steps: 40 },
    { eps: 10.75, steps: 40 },
    { eps: 16, steps: 80 },
  ]);
  assert.deepEqual(budgetLadder(4, 100, LADDER), [{ eps: 4, steps: 100 }]);
});

Deno.test("fewer steps share out evenly, and fewer steps than budgets drop the smallest", () => {
  assert.deepEqual(budgetLadder(10, 20, LADDER).map((r) => r.steps), [5, 5, 5, 5]);
  assert.deepEqual(budgetLadder(10, 2, LADDER), [{ eps: 7.75, steps: 1 }, { eps: 10, steps: 1 }]);
});

Deno.test("a ceiling below the smallest budget, or out of range, is a UserError naming it", () => {
  assert.throws(
    () => budgetLadder(3, 100, LADDER),
    (e: Error) =>
      e instanceof UserError && /ceiling 3 is below the smallest budget .* \(4\)/.test(e.message),
  );
  assert.throws(() => budgetLadder(0, 100, LADDER), UserError);
  assert.throws(() => budgetLadder(65, 100, LADDER), UserError);
  assert.throws(() => budgetLadder(10, 100, { ...LADDER, ratio: 1 }), RangeError);
});
