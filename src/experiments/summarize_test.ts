/** `sweep summary` as text: the transfer matrix names its rows attacked sets and its columns judges. */
import assert from "node:assert/strict";
import type { StoredRow } from "./row_store.ts";
import { formatSummary, summarize } from "./summarize.ts";

/** A finished row with the fields the summary reads. */
function row(source: string[], target: string, rate: number): StoredRow {
  return {
    unit: JSON.stringify(source),
    unit_rows: 0,
    unit_index: 0,
    image: "a.jpg",
    attack: "pgd",
    robust: false,
    eps: 8,
    steps: 10,
    source,
    target,
    channel: "identity",
    detection_rate: rate,
    protected_faces: rate > 0 ? 1 : 0,
    psnr_db: 40,
    ssim_rgb: 0.98,
  };
}

Deno.test("sweep summary: rows are attacked sets, columns judges, * marks a judge not attacked", () => {
  const text = formatSummary(summarize([
    row(["blazeface-front"], "blazeface-front", 0.25),
    row(["blazeface-front"], "faceboxes", 0.5),
  ]));
  const lines = text.split("\n");
  assert.equal(
    lines[0],
    "mean detection rate, channel identity (rows: attacked sets; columns: judges; " +
      "* = a judge the row did not attack, a transfer)",
  );
  // Header and row, cells 16 wide: the rate with two decimals and "*" or a space after it.
  assert.equal(
    lines[1],
    "attacked \\ judge" + "blazeface-front".padStart(17) + "faceboxes".padStart(17),
  );
  assert.equal(lines[2], "blazeface-front " + "0.25 ".padStart(17) + "0.50*".padStart(17));
});
