import assert from "node:assert/strict";
import { fixtureCrossFamilyRows } from "../charts/fixture_rows.ts";
import { crossFamilyTable } from "./cross_family_table.ts";

Deno.test("report: the leave-one-family-out table, by hand from the fixture rows", () => {
  const table = crossFamilyTable(fixtureCrossFamilyRows(), 8);
  const lines = table.split("\n");
  // blazeface held out: 20/32 = 63% on the file (photo rates 3/4 and 2/4: s.e. 12.5 -> 13),
  // 28/32 = 88% after JPEG; attacked 3/24 = 13%; Haar 7/8 = 88%.
  assert.equal(
    lines[2],
    "| blazeface | blazeface-back, blazeface-front, mediapipe-full, human | 63% ± 13 | 88% ± 13 | " +
      "13% ± 13 | 88% ± 13 |",
  );
  assert.equal(lines.length, 2 + 4 + 2);
  assert.match(table, /100 steps, pgd\+robust/);
  assert.throws(() => crossFamilyTable(fixtureCrossFamilyRows(), 16), /no eps 16/);
});
