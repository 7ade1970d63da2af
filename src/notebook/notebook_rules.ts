/**
 * What every notebook in notebooks/ must be when committed, whatever its name: Deno's kernel;
 * no outputs or execution counts (results belong in results/, and outputs would carry
 * photos); a Markdown cell first; and one parameters cell, a code cell calling
 * `notebookParams("<the notebook's file name>", ...)`, so a parameters file's section for the
 * notebook reaches it (see params.ts).
 */

/** A notebook cell, as far as the rules read it. */
interface Cell {
  cell_type?: string;
  source?: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
}

const source = (cell: Cell) =>
  Array.isArray(cell.source) ? cell.source.join("") : (cell.source ?? "");

/** The name a notebook's parameters cell must give: its file name without `.ipynb`. */
export function notebookName(file: string): string {
  return file.split("/").pop()!.replace(/\.ipynb$/, "");
}

/**
 * The rules a notebook breaks, one sentence each naming the cell (1-based); empty when it
 * keeps them all. `notebook` is the parsed .ipynb JSON.
 */
export function notebookProblems(file: string, notebook: unknown): string[] {
  const nb = notebook as { cells?: Cell[]; metadata?: { kernelspec?: { name?: string } } };
  if (!Array.isArray(nb?.cells)) return ["not a Jupyter notebook (no cells)"];
  const problems: string[] = [];
  const kernel = nb.metadata?.kernelspec?.name;
  if (kernel !== "deno") problems.push(`kernel is ${kernel ?? "not set"}, not Deno's ("deno")`);
  if (nb.cells[0]?.cell_type !== "markdown") problems.push("does not open with a Markdown cell");
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    if (!Array.isArray(cell.outputs) || cell.outputs.length > 0) {
      problems.push(`cell ${i + 1} has outputs (clear them before committing)`);
    }
    if (cell.execution_count !== null) problems.push(`cell ${i + 1} has an execution count`);
  });
  const name = notebookName(file);
  const calls = nb.cells.flatMap((cell, i) =>
    cell.cell_type === "code"
      ? [...source(cell).matchAll(/notebookParams\(\s*["'`]([^"'`]*)["'`]/g)].map((m) => ({
        cell: i + 1,
        name: m[1],
      }))
      : []
  );
  if (calls.length === 0) {
    problems.push(`no parameters cell (a code cell calling notebookParams("${name}", {...}))`);
  } else if (calls.length > 1) {
    problems.push(`${calls.length} parameters cells (cells ${calls.map((c) => c.cell)}); keep one`);
  } else if (calls[0].name !== name) {
    problems.push(
      `cell ${calls[0].cell}: notebookParams("${calls[0].name}", ...) must name this notebook, ` +
        `"${name}"`,
    );
  }
  return problems;
}
