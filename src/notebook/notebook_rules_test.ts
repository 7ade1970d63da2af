/**
 * The committed-notebook rules on copies of the template: a copy made as CONTRIBUTING says
 * (renamed, its parameters cell naming it) keeps them under any name; outputs, execution
 * counts, another kernel, a missing or misnamed parameters cell are each reported.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";
import { notebookName, notebookProblems } from "./notebook_rules.ts";

const TEMPLATE = JSON.parse(await Deno.readTextFile(`${PROJECT_ROOT}/notebooks/template.ipynb`));

/** The template copied to `name`, with its parameters cell renamed as CONTRIBUTING says. */
function copyAs(name: string) {
  const copy = structuredClone(TEMPLATE);
  for (const cell of copy.cells) {
    if (cell.cell_type !== "code") continue;
    const text = [cell.source].flat().join("");
    cell.source = text.replace('notebookParams("template"', `notebookParams("${name}"`);
  }
  return copy;
}

Deno.test("notebook rules: a renamed copy of the template keeps them under any name", () => {
  assert.equal(notebookName("notebooks/07_my_attack.ipynb"), "07_my_attack");
  assert.deepEqual(notebookProblems("template.ipynb", TEMPLATE), []);
  for (const name of ["07_my_attack", "99_x"]) {
    assert.deepEqual(notebookProblems(`${name}.ipynb`, copyAs(name)), []);
  }
});

Deno.test("notebook rules: a copy whose parameters cell still says template is told so", () => {
  const problems = notebookProblems("07_my_attack.ipynb", structuredClone(TEMPLATE));
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0], /^cell \d+: notebookParams\("template", \.\.\.\) must name this/);
  assert.match(problems[0], /"07_my_attack"$/);
});

Deno.test("notebook rules: outputs, counts, kernel and parameters cell are each reported", () => {
  const name = "07_my_attack";
  const codeIndex = copyAs(name).cells.findIndex((c: { cell_type: string }) =>
    c.cell_type === "code"
  );
  const withOutput = copyAs(name);
  withOutput.cells[codeIndex].outputs = [{ output_type: "stream", name: "stdout", text: "x" }];
  withOutput.cells[codeIndex].execution_count = 3;
  assert.deepEqual(notebookProblems(`${name}.ipynb`, withOutput), [
    `cell ${codeIndex + 1} has outputs (clear them before committing)`,
    `cell ${codeIndex + 1} has an execution count`,
  ]);

  const python = copyAs(name);
  python.metadata.kernelspec.name = "python3";
  assert.deepEqual(notebookProblems(`${name}.ipynb`, python), [
    `kernel is python3, not Deno's ("deno")`,
  ]);

  const noParams = copyAs(name);
  noParams.cells = noParams.cells.filter((c: { source: string }) =>
    ![c.source].flat().join("").includes("notebookParams(")
  );
  assert.deepEqual(notebookProblems(`${name}.ipynb`, noParams), [
    `no parameters cell (a code cell calling notebookParams("${name}", {...}))`,
  ]);

  const codeFirst = copyAs(name);
  codeFirst.cells = codeFirst.cells.slice(1);
  assert.deepEqual(notebookProblems(`${name}.ipynb`, codeFirst), [
    "does not open with a Markdown cell",
  ]);
  assert.deepEqual(notebookProblems("x.ipynb", { nbformat: 4 }), [
    "not a Jupyter notebook (no cells)",
  ]);
});
