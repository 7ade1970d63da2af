/**
 * The notebooks as committed: no outputs or execution counts (results belong in results/,
 * and outputs would carry photos), Deno's kernel, and code cells that type-check against
 * the library as it is now.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";

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

Deno.test("committed notebooks have no outputs or execution counts and use Deno's kernel", async () => {
  const notebooks = await committedNotebooks();
  assert.deepEqual(notebooks.map((n) => n.name), [
    "00_quickstart.ipynb",
    "01_epsilon_sweep.ipynb",
    "02_transferability.ipynb",
    "03_quality_tradeoff.ipynb",
    "04_social_media_robustness.ipynb",
    "05_protection_defaults.ipynb",
    "template.ipynb",
  ]);
  for (const notebook of notebooks) {
    assert.equal(notebook.metadata.kernelspec?.name, "deno", notebook.name);
    notebook.cells.forEach((cell, i) => {
      if (cell.cell_type !== "code") return;
      assert.deepEqual(cell.outputs, [], `${notebook.name} cell ${i + 1} has outputs`);
      assert.equal(cell.execution_count, null, `${notebook.name} cell ${i + 1} has a count`);
    });
    assert.ok(notebook.cells[0].cell_type === "markdown", `${notebook.name} opens with Markdown`);
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
