/**
 * The notebooks as committed, every one in notebooks/ whatever its name: the rules of
 * notebook_rules.ts (Deno's kernel, no outputs or execution counts, a parameters cell), and
 * code cells that type-check against the library as it is now.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";
import { notebookProblems } from "./notebook_rules.ts";

interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
}

async function committedNotebooks(): Promise<
  { name: string; cells: Cell[]; metadata: { kernelspec?: { name?: string } } }[]
> {
  const notebooks = [];
  for await (const entry of Deno.readDir(`${PROJECT_ROOT}/notebooks`)) {
    if (!entry.name.endsWith(".ipynb")) continue;
    const json = JSON.parse(await Deno.readTextFile(`${PROJECT_ROOT}/notebooks/${entry.name}`));
    notebooks.push({ name: entry.name, ...json });
  }
  return notebooks.sort((a, b) => a.name < b.name ? -1 : 1);
}

const source = (cell: Cell) => Array.isArray(cell.source) ? cell.source.join("") : cell.source;

Deno.test("every committed notebook keeps the rules: Deno's kernel, no outputs, a parameters cell", async () => {
  const notebooks = await committedNotebooks();
  // The template is what CONTRIBUTING tells contributors to copy; the rest may be any names.
  assert.ok(notebooks.some((n) => n.name === "template.ipynb"), "notebooks/template.ipynb missing");
  for (const { name, ...json } of notebooks) {
    assert.deepEqual(notebookProblems(name, json), [], `notebooks/${name}`);
  }
});

Deno.test("every notebook's code type-checks against the library", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-notebook-check-" });
  try {
    const files: string[] = [];
    for (const notebook of await committedNotebooks()) {
      // The cells as one module, with the notebooks' relative imports made absolute.
      const code = notebook.cells.filter((c) => c.cell_type === "code").map(source).join("\n")
        .replaceAll('"../src/', `"${PROJECT_ROOT}/src/`);
      const file = `${dir}/${notebook.name.replace(".ipynb", ".ts")}`;
      await Deno.writeTextFile(file, `${code}\nexport {};\n`);
      files.push(file);
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--config", `${PROJECT_ROOT}/deno.json`, ...files],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
