import assert from "node:assert/strict";
import type { StoredRow } from "../experiments/row_store.ts";
import { ensembleTable, pooledDetectionRate, stepsTable, transferTable } from "./tables.ts";
import { fillTables } from "./fill_tables.ts";

/** A row as the sweep writes it, with the fields the tables read. */
function row(fields: Record<string, unknown>): StoredRow {
  const base = {
    image: "a.jpg",
    attack: "pgd",
    robust: false,
    eps: 8,
    steps: 200,
    source: ["x", "y"],
    channel: "jpeg75",
    psnr_db: 40,
    ssim_rgb: 0.98,
  };
  // Boxes found: the matched faces (no false positives in these rows).
  const all = { ...base, protected_faces: fields.matched, ...fields };
  return {
    unit: JSON.stringify([all.image, all.attack, all.robust, all.eps, all.source]),
    unit_rows: 0,
    unit_index: 0,
    ...all,
  };
}

// Two photos: 3 and 1 reference faces; x and y are attacked, j judges.
const ROWS: StoredRow[] = [
  row({ target: "x", clean_faces: 3, matched: 0 }),
  row({ target: "y", clean_faces: 3, matched: 1 }),
  row({ target: "j", clean_faces: 3, matched: 3 }),
  row({ image: "b.jpg", target: "x", clean_faces: 1, matched: 1, psnr_db: 38 }),
  row({ image: "b.jpg", target: "y", clean_faces: 1, matched: 0, psnr_db: 38 }),
  row({ image: "b.jpg", target: "j", clean_faces: 1, matched: 0, psnr_db: 38 }),
  row({ steps: 10, target: "x", clean_faces: 3, matched: 3 }),
  row({ steps: 10, target: "y", clean_faces: 3, matched: 3 }),
  row({ robust: true, target: "x", clean_faces: 3, matched: 0 }),
  row({ robust: true, target: "y", clean_faces: 3, matched: 0 }),
  row({ source: ["x"], target: "x", clean_faces: 3, matched: 0 }),
  row({ source: ["x"], target: "j", clean_faces: 3, matched: 2 }),
];

Deno.test("pooled detection rate is matched faces over clean faces, null without faces", () => {
  assert.equal(pooledDetectionRate(ROWS.slice(0, 6)), 5 / 12);
  assert.equal(pooledDetectionRate([]), null);
});

Deno.test("the ensemble table pools attacked detectors and lists each judge, per attack", () => {
  const table = ensembleTable(ROWS, "jpeg75");
  const lines = table.split("\n");
  assert.equal(
    lines[0],
    "| attack | eps | photos fully protected | attacked detectors | j | PSNR dB | SSIM |",
  );
  // pgd: y still finds a face in a.jpg, x one in b.jpg: no photo fully protected; x and y
  // found 2 of 8 faces (25%); j found 3 of 4 (75%); PSNR mean of 40 and 38.
  assert.equal(lines[2], "| pgd | 8 | 0 of 2 | 25% | 75% | 39.0 | 0.980 |");
  // pgd+robust: neither x nor y finds a face in a.jpg.
  assert.equal(lines[3], "| pgd+robust | 8 | 1 of 1 | 0% | – | 40.0 | 0.980 |");
  assert.equal(ensembleTable(ROWS, "identity").split("\n").length, 2);
});

Deno.test("the steps table shows each checkpoint", () => {
  const lines = stepsTable(ROWS, "jpeg75").split("\n");
  assert.equal(lines[0], "| attack | eps | 10 steps | 200 steps |");
  assert.equal(lines[2], "| pgd | 8 | 100% | 25% |");
});

Deno.test("the transfer table has one line per source set", () => {
  const lines = transferTable(ROWS, "jpeg75", 8).split("\n");
  assert.equal(lines[0], "| attacked \\ judge | j | x | y |");
  assert.equal(lines[2], "| x | 67% | 0% | – |");
  assert.equal(lines[3], "| x+y | 75% | 14% | 14% |");
});

Deno.test("fillTables replaces only marked blocks and refuses unknown tables", () => {
  const report = "# R\n<!-- table:steps-jpeg75 -->\nold\n<!-- /table:steps-jpeg75 -->\nend\n";
  const filled = fillTables(report, ROWS);
  assert.match(filled, /^# R\n<!-- table:steps-jpeg75 -->\n\| attack \| eps \| 10 steps/);
  assert.ok(filled.endsWith("<!-- /table:steps-jpeg75 -->\nend\n"));
  assert.ok(!filled.includes("old"));
  assert.throws(
    () => fillTables("<!-- table:nope -->\n<!-- /table:nope -->", ROWS),
    /unknown table "nope"/,
  );
});
