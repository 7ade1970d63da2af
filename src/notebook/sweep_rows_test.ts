import assert from "node:assert/strict";
import { fixtureRow } from "../charts/fixture_rows.ts";
import { missingFromRows, rowsOrSmallSweep } from "./sweep_rows.ts";
import { SMALL_SWEEP } from "./small_sweeps.ts";

const ROWS = [
  fixtureRow({ channel: "identity", eps: 4 }),
  fixtureRow({ channel: "jpeg75", eps: 8, source: ["blazeface-back", "blazeface-front"] }),
];

Deno.test("missingFromRows names the first channel, eps, source set or judge lacking", () => {
  assert.equal(missingFromRows(ROWS, { channels: ["identity", "jpeg75"] }), undefined);
  assert.equal(missingFromRows(ROWS, { channels: ["identity", "social"] }), 'channel "social"');
  assert.equal(missingFromRows(ROWS, { channels: [], eps: [4, 16] }), "eps 16");
  assert.equal(
    missingFromRows(ROWS, { channels: [], sources: [["blazeface-front"]] }),
    'source set ["blazeface-front"]',
  );
  // The fixture rows are judged by blazeface-back only.
  assert.equal(missingFromRows(ROWS, { channels: [], judges: ["haar"] }), 'judge "haar"');
  assert.equal(missingFromRows([], { channels: [] }), "no rows");
});

Deno.test("rowsOrSmallSweep reads stored rows that cover the need, without sweeping", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/rows.jsonl`;
    await Deno.writeTextFile(path, ROWS.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const before = await Deno.readTextFile(path);
    const lines: string[] = [];
    const result = await rowsOrSmallSweep(path, SMALL_SWEEP, {
      needs: { channels: ["jpeg75"] },
      onProgress: (line) => lines.push(line),
    });
    assert.equal(result.ranSweep, false);
    assert.equal(result.source, path);
    assert.deepEqual(result.rows.map((r) => r.channel), ["identity", "jpeg75"]);
    assert.deepEqual(lines, [`2 rows from ${path}`]);
    assert.equal(await Deno.readTextFile(path), before, "the rows file is not rewritten");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
