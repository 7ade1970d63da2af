import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";

Deno.test("every citation in the report has an entry in references.bib", async () => {
  const report = await Deno.readTextFile(`${PROJECT_ROOT}/papers/report.md`);
  const bib = await Deno.readTextFile(`${PROJECT_ROOT}/papers/references.bib`);
  const entries = new Set([...bib.matchAll(/^@\w+\{([^,]+),/gm)].map((m) => m[1]));
  const cited = [...report.matchAll(/[[;] ?@([a-z0-9]+)/g)].map((m) => m[1]);
  assert.ok(cited.length >= 15, `expected the report to cite its sources, found ${cited.length}`);
  const missing = cited.filter((key) => !entries.has(key));
  assert.deepEqual(missing, [], `cited but not in references.bib: ${missing.join(", ")}`);
});
