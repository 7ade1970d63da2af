/**
 * One run per results folder: a second sweep (another process) or lock holder fails at
 * once with one line naming the holder; a merge refuses a shard whose sweep still runs;
 * the lock is free again once released.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";
import { runCliScript } from "../testing/run_cli_script.ts";
import { LOCK_FILE, lockResultsDir } from "./dir_lock.ts";
import { mergeShards } from "./merge_shards.ts";

Deno.test("a second lock holder on a results folder fails naming the first", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-lock-" });
  try {
    const first = await lockResultsDir(dir, "sweep first");
    const holder = JSON.parse(await Deno.readTextFile(`${dir}/${LOCK_FILE}`));
    assert.equal(holder.pid, Deno.pid);
    await assert.rejects(
      lockResultsDir(dir, "sweep second"),
      new RegExp(`is in use by pid ${Deno.pid} on ${Deno.hostname()} \\(sweep first, since`),
    );
    await first.release();
    const again = await lockResultsDir(dir, "sweep again");
    await again.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep: a second run on a folder in use fails with one line naming the holder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-lock-sweep-" });
  try {
    const config = `${dir}/config.json`;
    await Deno.writeTextFile(
      config,
      await Deno.readTextFile(`${PROJECT_ROOT}/results/configs/smoke.json`),
    );
    await Deno.mkdir(`${dir}/out`);
    const held = await lockResultsDir(`${dir}/out`, "sweep smoke");
    try {
      const second = await runCliScript("sweep.ts", [config, "--out", `${dir}/out`]);
      const lines = second.stderr.trim().split("\n");
      assert.equal(second.code, 2, second.stderr);
      assert.match(lines.at(-1)!, new RegExp(`^sweep: error: .*out is in use by pid ${Deno.pid} `));
      assert.ok(!lines.some((l) => /^\s+at /.test(l)), "a stack trace");
      await assert.rejects(Deno.stat(`${dir}/out/run.json`), Deno.errors.NotFound);
    } finally {
      await held.release();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("merge refuses a shard folder whose sweep still holds it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-lock-merge-" });
  try {
    for (const shard of ["s1", "s2"]) {
      await Deno.mkdir(`${dir}/${shard}`);
      await Deno.writeTextFile(`${dir}/${shard}/run.json`, JSON.stringify({ config: {} }));
      await Deno.writeTextFile(`${dir}/${shard}/rows.jsonl`, "");
    }
    const running = await lockResultsDir(`${dir}/s2`, "sweep paper --shard 2/2");
    try {
      await assert.rejects(
        mergeShards([`${dir}/s1`, `${dir}/s2`], `${dir}/merged`),
        /s2 is in use by pid \d+ .*sweep paper --shard 2\/2/,
      );
    } finally {
      await running.release();
    }
    assert.equal(await mergeShards([`${dir}/s1`, `${dir}/s2`], `${dir}/merged`), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
