import assert from "node:assert/strict";
import { notebookParams } from "./params.ts";

const DEFAULTS = { rows: "results/paper/rows.jsonl" as string | null, eps: 8, tags: ["a"] };

async function withFile(content: unknown, fn: (path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, JSON.stringify(content));
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("notebookParams: defaults without a file, then '*' and the notebook's own section", async () => {
  assert.deepEqual(await notebookParams("nb", DEFAULTS, undefined), DEFAULTS);
  await withFile(
    { "*": { rows: null, eps: 4, unrelated: 1 }, nb: { eps: 2 }, other: { eps: 99 } },
    async (path) => {
      assert.deepEqual(await notebookParams("nb", DEFAULTS, path), {
        rows: null,
        eps: 2,
        tags: ["a"],
      });
      assert.equal((await notebookParams("other", DEFAULTS, path)).eps, 99);
    },
  );
});

Deno.test("notebookParams: unknown keys and wrong types are named", async () => {
  await withFile({ nb: { epz: 2 } }, async (path) => {
    await assert.rejects(notebookParams("nb", DEFAULTS, path), /unknown parameter "epz"/);
  });
  await withFile({ "*": { eps: "8" } }, async (path) => {
    await assert.rejects(notebookParams("nb", DEFAULTS, path), /"eps" must be number, got "8"/);
  });
  await withFile({ nb: { tags: "a" } }, async (path) => {
    await assert.rejects(notebookParams("nb", DEFAULTS, path), /"tags" must be array/);
  });
  await assert.rejects(notebookParams("nb", DEFAULTS, "/nonexistent.json"), /not a readable JSON/);
});
