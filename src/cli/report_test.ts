import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";

Deno.test("report: the committed report's tables are exactly what the committed rows give", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const committed = await Deno.readTextFile(`${PROJECT_ROOT}/papers/report.md`);
    // Emptied tables must come back, formatted as the committed file is.
    const emptied = committed.replace(
      /(<!-- table:([a-z0-9-]+) -->\n)[\s\S]*?(<!-- \/table:\2 -->)/g,
      "$1$3",
    );
    assert.notEqual(emptied, committed);
    await Deno.writeTextFile(`${dir}/report.md`, emptied);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${PROJECT_ROOT}/src/cli/report.ts`,
        "--rows",
        `${PROJECT_ROOT}/results/paper/rows.jsonl`,
        "--report",
        `${dir}/report.md`,
      ],
      cwd: PROJECT_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    assert.equal(await Deno.readTextFile(`${dir}/report.md`), committed);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
