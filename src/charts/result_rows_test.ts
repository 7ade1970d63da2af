import assert from "node:assert/strict";
import { readResultRows } from "./result_rows.ts";

function row(unit: string, unitRows: number, index: number) {
  return JSON.stringify({ unit, unit_rows: unitRows, unit_index: index, image: "a.png" });
}

Deno.test("readResultRows keeps complete units, leaves the file alone, and names a corrupt one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/rows.jsonl`;
    // Unit "a" complete, unit "b" half-written with a torn last line: a sweep still running.
    const live = [row("a", 2, 0), row("a", 2, 0), row("b", 2, 1)].join("\n") + "\n" + '{"unit":';
    await Deno.writeTextFile(path, live);
    assert.deepEqual((await readResultRows(path)).map((r) => r.unit), ["a", "a"]);
    assert.equal(await Deno.readTextFile(path), live);
    // A unit with more rows than it declares is a damaged file, not something to drop quietly
    // (this loader used to keep the other units and say nothing).
    await Deno.writeTextFile(
      path,
      [row("a", 1, 0), row("a", 1, 0), row("b", 1, 1)].join("\n") + "\n",
    );
    await assert.rejects(readResultRows(path), /unit|rows/);
    await assert.rejects(readResultRows(`${dir}/none.jsonl`), /no such rows file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
