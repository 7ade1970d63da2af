import assert from "node:assert/strict";
import { RetryingCache } from "./retry_cache.ts";

Deno.test("a failed load is tried again by the next request; a good one is loaded once", async () => {
  const cache = new RetryingCache<string>();
  let calls = 0;
  const load = () => {
    calls++;
    return calls === 1 ? Promise.reject(new Error("disk busy")) : Promise.resolve(`model ${calls}`);
  };
  await assert.rejects(cache.get("front", load), /disk busy/);
  assert.equal(await cache.get("front", load), "model 2");
  assert.equal(await cache.get("front", load), "model 2");
  assert.equal(calls, 2);
  // Two requests while the first load runs share it.
  const other = () => Promise.resolve(`other ${++calls}`);
  const [a, b] = await Promise.all([cache.get("back", other), cache.get("back", other)]);
  assert.deepEqual([a, b, calls], ["other 3", "other 3", 3]);
});
