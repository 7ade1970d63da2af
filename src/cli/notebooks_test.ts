/**
 * `deno task notebooks` as a user runs it: every notebook executes headless on its small
 * settings, a failing cell fails the command with the cell and its message, and the
 * committed notebooks are never rewritten.
 */
import assert from "node:assert/strict";
import { sha256File } from "../hash.ts";
import { PROJECT_ROOT } from "../paths.ts";
import { fixtureSweepRows } from "../charts/fixture_rows.ts";
import { PLOTLY_MIME } from "../charts/notebook_display.ts";
import { runCliScript } from "../testing/run_cli_script.ts";

const CANARY = `${PROJECT_ROOT}/src/notebook/testdata/failing_canary.ipynb`;

async function notebookPaths(): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(`${PROJECT_ROOT}/notebooks`)) {
    if (entry.name.endsWith(".ipynb")) paths.push(`${PROJECT_ROOT}/notebooks/${entry.name}`);
  }
  return paths.sort();
}

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string | string[];
}

Deno.test("notebooks: a failing cell fails the run, naming the notebook, cell and error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-canary-" });
  try {
    const marker = `${dir}/marker`;
    const before = await sha256File(CANARY);
    const result = await runCliScript(
      "notebooks.ts",
      [CANARY, "--out", `${dir}/out`],
      { EQUALAIS_CANARY_MARKER: marker },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /notebooks: error: failing_canary\.ipynb: cell 3 \(throw new Error\("canary: this cell fails on purpose"\);\) failed: Error: canary: this cell fails on purpose/,
    );
    await assert.rejects(Deno.stat(marker), Deno.errors.NotFound, "a cell after the failure ran");
    assert.equal(await sha256File(CANARY), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("notebooks: a missing notebook is one line naming it", async () => {
  const result = await runCliScript("notebooks.ts", ["notebooks/nope.ipynb"]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr.trim(), "notebooks: error: notebooks/nope.ipynb: no such notebook");
});

Deno.test({
  name: "notebooks: every notebook runs headless on its small settings, drawing its charts",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "equalais-notebooks-test-" });
    try {
      const paths = await notebookPaths();
      const hashes = await Promise.all(paths.map(sha256File));
      const result = await runCliScript("notebooks.ts", ["--small", "--out", dir], {
        // A cache of this run's own: the small sweeps really run, as on a fresh clone.
        EQUALAIS_NOTEBOOK_CACHE: `${dir}/cache`,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(await Promise.all(paths.map(sha256File)), hashes, "notebooks rewritten");
      for (const path of paths) {
        const name = path.split("/").pop()!;
        const executed = JSON.parse(await Deno.readTextFile(`${dir}/${name}`));
        const outputs: Output[] = executed.cells.flatMap((c: { outputs?: Output[] }) =>
          c.outputs ?? []
        );
        assert.ok(!outputs.some((o) => o.output_type === "error"), `${name} has an error output`);
        const figures = outputs.filter((o) => o.data?.[PLOTLY_MIME]);
        assert.ok(figures.length >= 1, `${name} drew no chart`);
        for (const figure of figures) {
          const spec = figure.data![PLOTLY_MIME] as { data: unknown[] };
          assert.ok(spec.data.length >= 1, `${name}: a chart without traces`);
          assert.match(String(figure.data!["text/html"]), /Plotly\.newPlot/);
        }
      }
      // The first chart of each notebook carries plotly.js inline, so saved outputs render
      // offline in classic Notebook and JupyterLab.
      const first = JSON.parse(await Deno.readTextFile(`${dir}/01_epsilon_sweep.ipynb`));
      const html = first.cells.flatMap((c: { outputs?: Output[] }) => c.outputs ?? [])
        .find((o: Output) => o.data?.[PLOTLY_MIME])!.data!["text/html"];
      assert.ok(String(html).includes("window.Plotly"), "plotly.js not inlined");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "notebooks: 01-03 read stored result rows when they have what is needed (no sweep)",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "equalais-notebooks-rows-" });
    try {
      const rowsPath = `${dir}/rows.jsonl`;
      const rows = fixtureSweepRows();
      await Deno.writeTextFile(rowsPath, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
      await Deno.writeTextFile(
        `${dir}/params.json`,
        JSON.stringify({ "*": { rows: rowsPath }, "03_quality_tradeoff": { thumbnailSide: 120 } }),
      );
      const names = ["01_epsilon_sweep", "02_transferability", "03_quality_tradeoff"];
      const result = await runCliScript("notebooks.ts", [
        ...names.map((n) => `${PROJECT_ROOT}/notebooks/${n}.ipynb`),
        "--params",
        `${dir}/params.json`,
        "--out",
        `${dir}/out`,
      ], { EQUALAIS_NOTEBOOK_CACHE: `${dir}/cache` });
      assert.equal(result.code, 0, result.stderr);
      await assert.rejects(Deno.stat(`${dir}/cache`), Deno.errors.NotFound, "a sweep ran");
      for (const name of names) {
        const executed = JSON.parse(await Deno.readTextFile(`${dir}/out/${name}.ipynb`));
        // Display messages, not console.log streams: the kernel forwards stdout
        // asynchronously and drops a stream that arrives after its cell has finished.
        const text = executed.cells.flatMap((c: { outputs?: Output[] }) => c.outputs ?? [])
          .filter((o: Output) => o.output_type === "display_data")
          .map((o: Output) => [(o.data?.["text/plain"] as string | string[]) ?? ""].flat().join(""))
          .join("");
        assert.ok(text.includes(`${rows.length} rows from ${rowsPath}`), `${name}: ${text}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
