/**
 * `deno task notebooks [NOTEBOOK...] [--small] [--params FILE] [--out DIR]`
 *
 * Executes notebooks headless (every `notebooks/*.ipynb` by default) with Jupyter's
 * nbconvert and Deno's kernel, one after another, and stops at the first cell that fails,
 * naming the notebook, the cell and the error. Executed copies go to --out (a new
 * temporary folder by default); the notebooks themselves are never rewritten. --small runs
 * every notebook on tiny settings (src/notebook/small_params.json), as the tests do;
 * --params names another parameters file (see src/notebook/params.ts).
 */
import { basename, resolve } from "node:path";
import { UserError } from "../errors.ts";
import { PROJECT_ROOT } from "../paths.ts";
import { executeNotebook } from "../notebook/execute_notebook.ts";
import { PARAMS_ENV } from "../notebook/params.ts";
import { parseFlags, runCli } from "./run_cli.ts";

/** The tiny settings `--small` uses. */
export const SMALL_PARAMS = `${PROJECT_ROOT}/src/notebook/small_params.json`;

async function allNotebooks(): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(`${PROJECT_ROOT}/notebooks`)) {
    if (entry.isFile && entry.name.endsWith(".ipynb")) {
      paths.push(`${PROJECT_ROOT}/notebooks/${entry.name}`);
    }
  }
  return paths.sort();
}

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(Deno.args, {
    small: { type: "boolean", default: false },
    params: { type: "string" },
    out: { type: "string" },
  });
  const notebooks = positionals.length ? positionals : await allNotebooks();
  for (const path of notebooks) {
    try {
      await Deno.stat(path);
    } catch {
      throw new UserError(`${path}: no such notebook`);
    }
  }
  // The kernel runs in the notebook's folder: a relative path would not be found there.
  const params = values.params
    ? resolve(values.params as string)
    : values.small
    ? SMALL_PARAMS
    : undefined;
  const outDir = (values.out as string | undefined) ??
    await Deno.makeTempDir({ prefix: "equalais-notebooks-" });
  await Deno.mkdir(outDir, { recursive: true });
  const env: Record<string, string> = params ? { [PARAMS_ENV]: params } : {};
  console.error(
    `notebooks: executing ${notebooks.length} notebooks into ${outDir}` +
      (params ? ` with ${params}` : ""),
  );
  const started = performance.now();
  for (const path of notebooks) {
    const run = await executeNotebook(path, { outDir, env });
    if (run.failure) {
      const { cell, firstLine, message } = run.failure;
      const where = cell > 0 ? `cell ${cell} (${firstLine.slice(0, 60)})` : "nbconvert";
      console.error(`notebooks: error: ${basename(path)}: ${where} failed: ${message}`);
      if (Deno.env.get("EQUALAIS_DEBUG")) console.error(run.log);
      return 1;
    }
    if (run.retried) {
      console.error(`notebooks: ${basename(path)}: retried after a garbled kernel message`);
    }
    console.error(`notebooks: ${basename(path)} ok (${run.seconds.toFixed(1)} s)`);
  }
  console.error(
    `notebooks: all ${notebooks.length} ran in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
  return 0;
}

if (import.meta.main) await runCli("notebooks", main);
