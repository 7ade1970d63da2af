import assert from "node:assert/strict";
import { parseCellFailure } from "./execute_notebook.ts";

const NOTEBOOK = {
  cells: [
    { cell_type: "markdown", source: "# Title" },
    { cell_type: "code", source: ["const a = 1;\n", "console.log(a);"] },
    { cell_type: "code", source: 'throw new Error("boom here");' },
  ],
};

// nbconvert 6.5's report of a failing Deno cell (the kernel colours its traceback).
const LOG = `[NbConvertApp] Converting notebook t.ipynb to notebook
Traceback (most recent call last):
  File "/usr/bin/jupyter-nbconvert", line 33, in <module>
nbclient.exceptions.CellExecutionError: An error occurred while executing the following cell:
------------------
throw new Error("boom here");
------------------

\x1b[0m\x1b[1m\x1b[31mError\x1b[0m: boom here
    at <anonymous>:1:28
Error: boom here
`;

Deno.test("parseCellFailure finds the cell by its source and the kernel's error line", () => {
  assert.deepEqual(parseCellFailure(LOG, NOTEBOOK), {
    cell: 3,
    firstLine: 'throw new Error("boom here");',
    message: "Error: boom here",
  });
  assert.equal(parseCellFailure("[NbConvertApp] some other failure", NOTEBOOK), undefined);
});
