/**
 * Runs a notebook headless with Jupyter's nbconvert and Deno's kernel, writing the executed
 * copy to another folder (the committed file is never rewritten). nbconvert stops at the
 * first cell that fails; this reports which cell and its error in one line.
 */
import { basename, dirname, resolve } from "node:path";
import { SetupError } from "../errors.ts";
import { DENO_KERNEL_NAME, JUPYTER_PIP_COMMAND } from "../setup/jupyter.ts";

/** The first failing cell of a notebook run. */
export interface CellFailure {
  /** 1-based number of the cell in the notebook (Markdown cells counted). */
  cell: number;
  /** First line of the cell's source. */
  firstLine: string;
  /** The error the kernel reported (its first line). */
  message: string;
}

/** The outcome of one notebook. */
export interface NotebookRun {
  /** The notebook executed. */
  notebook: string;
  /** Path of the executed copy (only when it ran through). */
  executed?: string;
  /** Wall-clock seconds. */
  seconds: number;
  /** Set when a cell failed. */
  failure?: CellFailure;
  /** nbconvert's own output, for failures that are not a cell's. */
  log: string;
  /** nbconvert's output of a first attempt that failed on a transport fault. */
  retried?: string;
}

interface NotebookJson {
  cells: { cell_type: string; source: string | string[] }[];
}

function cellSource(cell: NotebookJson["cells"][number]): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/**
 * Finds the failing cell in nbconvert's CellExecutionError text, which quotes the cell's
 * source between dashed lines and then the kernel's error.
 */
export function parseCellFailure(log: string, notebook: NotebookJson): CellFailure | undefined {
  // Kernels may colour their tracebacks; the colour codes are not part of the message.
  // deno-lint-ignore no-control-regex
  const plain = log.replace(/\x1b\[[0-9;]*m/g, "");
  const match = plain.match(
    /An error occurred while executing the following cell:\n-{10,}\n([\s\S]*?)\n-{10,}\n\n?([\s\S]*)$/,
  );
  if (!match) return undefined;
  const source = match[1].trim();
  const index = notebook.cells.findIndex((c) =>
    c.cell_type === "code" && cellSource(c).trim() === source
  );
  const errorLines = match[2].split("\n").map((l) => l.trim()).filter((l) => l);
  // The kernel prints the stack, then the error once more: take the first "Name: message".
  const message = errorLines.find((l) => /^[A-Za-z]*(Error|Exception)\b/.test(l)) ??
    errorLines[0] ?? "unknown error";
  return {
    cell: index + 1,
    firstLine: source.split("\n")[0],
    message,
  };
}

/**
 * Executes `notebookPath` into `outDir`; the kernel starts in the notebook's folder. A run
 * that nbconvert aborts on a garbled kernel message ("Invalid Signature", a transport fault
 * seen once in Deno 2.9's kernel under heavy load, not a cell error) is retried once.
 */
export async function executeNotebook(
  notebookPath: string,
  options: { outDir: string; timeoutSeconds?: number; env?: Record<string, string> },
): Promise<NotebookRun> {
  const run = await executeOnce(notebookPath, options);
  if (run.failure?.cell === 0 && /Invalid Signature/.test(run.log)) {
    const again = await executeOnce(notebookPath, options);
    return { ...again, seconds: run.seconds + again.seconds, retried: run.log };
  }
  return run;
}

async function executeOnce(
  notebookPath: string,
  options: { outDir: string; timeoutSeconds?: number; env?: Record<string, string> },
): Promise<NotebookRun> {
  // nbconvert runs in the notebook's folder: give it absolute paths.
  const input = resolve(notebookPath);
  const outDir = resolve(options.outDir);
  const notebook: NotebookJson = JSON.parse(await Deno.readTextFile(input));
  const start = performance.now();
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("jupyter", {
      args: [
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        `--ExecutePreprocessor.kernel_name=${DENO_KERNEL_NAME}`,
        `--ExecutePreprocessor.timeout=${options.timeoutSeconds ?? 1800}`,
        "--output-dir",
        outDir,
        input,
      ],
      cwd: dirname(input),
      env: options.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new SetupError(`jupyter is not installed (without root: \`${JUPYTER_PIP_COMMAND}\`)`);
    }
    throw error;
  }
  const seconds = (performance.now() - start) / 1000;
  const log = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
  if (output.success) {
    return {
      notebook: notebookPath,
      executed: `${outDir}/${basename(input)}`,
      seconds,
      log,
    };
  }
  if (/No such kernel named deno/.test(log)) {
    throw new SetupError("Jupyter has no Deno kernel registered");
  }
  const failure = parseCellFailure(log, notebook) ??
    { cell: 0, firstLine: "", message: log.trim().split("\n").at(-1) ?? "nbconvert failed" };
  return { notebook: notebookPath, seconds, failure, log };
}
