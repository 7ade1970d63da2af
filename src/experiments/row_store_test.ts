/**
 * The rows file: readers never write (a unit being appended is left out in memory, the
 * writer's file untouched), only the lock holder cuts a torn tail off (in place), and a
 * unit with more rows than it declares is an error, not a unit to drop.
 */
import assert from "node:assert/strict";
import { fixtureSweepRows } from "../charts/fixture_rows.ts";
import { runCliScript } from "../testing/run_cli_script.ts";
import { lockResultsDir } from "./dir_lock.ts";
import { openRows, repairRows, type StoredRow } from "./row_store.ts";

function jsonl(rows: StoredRow[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

/** Two units of two rows each, by hand. */
function twoUnits(): StoredRow[] {
  return ["a", "b"].flatMap((unit, index) =>
    [1, 2].map((row) => ({ unit, unit_rows: 2, unit_index: index, image: `${unit}.jpg`, row }))
  );
}

Deno.test("a reader leaves a unit being written alone: same bytes, same inode, the append lands", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-rows-reader-" });
  try {
    const path = `${dir}/rows.jsonl`;
    const rows = fixtureSweepRows();
    const last = rows.at(-1)!.unit;
    const complete = rows.filter((r) => r.unit !== last);
    await Deno.writeTextFile(path, jsonl(complete));
    // The sweep's append of its last unit, caught half way (mid-line) through its one write.
    const pending = new TextEncoder().encode(jsonl(rows.filter((r) => r.unit === last)));
    const half = Math.floor(pending.length / 2);
    const writer = await Deno.open(path, { append: true });
    try {
      await writer.write(pending.subarray(0, half));
      const before = await Deno.readFile(path);
      const inode = (await Deno.stat(path)).ino;

      assert.equal((await openRows(path)).length, complete.length);
      const summary = await runCliScript("sweep.ts", ["summary", dir, "--json"]);
      assert.equal(summary.code, 0, summary.stderr);
      assert.ok(JSON.parse(summary.stdout).transfer.length > 0);

      assert.deepEqual(await Deno.readFile(path), before, "a reader changed the file");
      assert.equal((await Deno.stat(path)).ino, inode, "a reader replaced the file");
      await writer.write(pending.subarray(half));
    } finally {
      writer.close();
    }
    assert.equal((await openRows(path)).length, rows.length, "the writer's rows were lost");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("more rows than a unit's unit_rows is an error naming the unit, for readers and repair", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-rows-dup-" });
  try {
    const path = `${dir}/rows.jsonl`;
    const [a1, a2, b1, b2] = twoUnits();
    // Two runs in one folder: unit a written twice.
    await Deno.writeTextFile(path, jsonl([a1, a2, b1, b2, a1, a2]));
    await assert.rejects(
      openRows(path),
      /unit of a\.jpg \(unit 0\) has more than its 2 rows \(line 5\)/,
    );
    const lock = await lockResultsDir(dir, "test");
    try {
      await assert.rejects(repairRows(path, lock), /more than its 2 rows/);
    } finally {
      await lock.release();
    }
    // An incomplete unit with another unit after it cannot come from one crashed writer.
    await Deno.writeTextFile(path, jsonl([a1, b1, b2]));
    await assert.rejects(openRows(path), /unit of a\.jpg \(unit 0\) is incomplete and followed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("repair, under the folder's lock, cuts the trailing unit and torn line in place", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-rows-repair-" });
  try {
    const path = `${dir}/rows.jsonl`;
    const [a1, a2, b1] = twoUnits();
    const kept = jsonl([a1, a2]);
    await Deno.writeTextFile(path, kept + jsonl([b1]) + '{"unit": "b", "half a li');
    const inode = (await Deno.stat(path)).ino;
    assert.deepEqual(await openRows(path), [a1, a2]);
    const lock = await lockResultsDir(dir, "test");
    try {
      assert.deepEqual(await repairRows(path, lock), [a1, a2]);
    } finally {
      await lock.release();
    }
    assert.equal(await Deno.readTextFile(path), kept);
    assert.equal((await Deno.stat(path)).ino, inode);
    await assert.rejects(repairRows(path, lock), /released/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
