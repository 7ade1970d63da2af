/**
 * `deno task sweep <config.json> [--out DIR] [--shard i/N] [--backend B] [--batch N|auto]
 *   [--adopt-inputs]`
 * `deno task sweep <config.json> --slurm [--shards N] [--partition P] [--time T] ...`
 * `deno task sweep merge <dirs...> -o <dir>` or `deno task sweep merge <slurm run dir> [-o <dir>]`
 * `deno task sweep summary <dir> [--json]`
 * `deno task sweep status <slurm run dir>`
 *
 * Runs a parameter grid into results/<name>/ (resumable, crash-safe, shardable, one run
 * per folder at a time), merges shards, and summarises rows as a transfer matrix and a
 * quality table (merge and summary only read the folders they summarise).
 */
import { initBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { PROJECT_ROOT } from "../paths.ts";
import { parseShard, validateConfig } from "../experiments/sweep_config.ts";
import { runSweep } from "../experiments/run_sweep.ts";
import { mergeShards } from "../experiments/merge_shards.ts";
import { openRows } from "../experiments/row_store.ts";
import { formatSummary, summarize } from "../experiments/summarize.ts";
import { MANIFEST, mergeSlurmSweep } from "../slurm/slurm_sweep.ts";
import { parseFlags, runCli } from "./run_cli.ts";
import { checkSlurmFlags, runSlurmStatus, runSlurmSweep, SLURM_FLAGS } from "./sweep_slurm.ts";

async function readConfig(path: string) {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new UserError(`${path}: config file cannot be read`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return validateConfig(raw);
}

async function main(): Promise<number> {
  const [command, ...rest] = Deno.args;
  if (command === "merge") {
    const { values, positionals } = parseFlags(rest, { output: { type: "string", short: "o" } });
    if (positionals.length === 1 && await isSlurmRun(positionals[0])) {
      const out = (values.output as string | undefined) ?? `${positionals[0]}/merged`;
      const count = await mergeSlurmSweep(positionals[0], out);
      console.error(`sweep: merged the shards of ${positionals[0]}, ${count} rows, into ${out}`);
      return 0;
    }
    if (!values.output) {
      throw new UserError("usage: sweep merge <dirs...> -o <dir>, or sweep merge <slurm run dir>");
    }
    const count = await mergeShards(positionals, values.output as string);
    console.error(
      `sweep: merged ${positionals.length} folders, ${count} rows, into ${values.output}`,
    );
    return 0;
  }
  if (command === "summary") {
    const { values, positionals } = parseFlags(rest, { json: { type: "boolean", default: false } });
    if (positionals.length !== 1) throw new UserError("usage: sweep summary <dir> [--json]");
    const rows = await openRows(`${positionals[0]}/rows.jsonl`);
    if (rows.length === 0) throw new UserError(`${positionals[0]}: no result rows`);
    const summary = summarize(rows);
    console.log(values.json ? JSON.stringify(summary) : formatSummary(summary));
    return 0;
  }
  if (command === "status") {
    const { positionals } = parseFlags(rest, {});
    if (positionals.length !== 1) throw new UserError("usage: sweep status <slurm run dir>");
    return await runSlurmStatus(positionals[0]);
  }
  const { values, positionals } = parseFlags(Deno.args, {
    ...SLURM_FLAGS,
    out: { type: "string" },
    shard: { type: "string" },
    backend: { type: "string" },
    batch: { type: "string", default: "auto" },
    "adopt-inputs": { type: "boolean", default: false },
  });
  if (positionals.length !== 1) {
    throw new UserError(
      "usage: sweep <config.json> [--out DIR] [--shard i/N] [--batch N|auto] [--adopt-inputs] " +
        "[--slurm ...] | merge | summary | status",
    );
  }
  checkSlurmFlags(values);
  const batchFlag = values.batch as string;
  const batch = batchFlag === "auto" ? "auto" : Number(batchFlag);
  if (batch !== "auto" && !(Number.isInteger(batch) && batch >= 1)) {
    throw new UserError(`--batch must be a whole number >= 1 or "auto", got "${batchFlag}"`);
  }
  const config = await readConfig(positionals[0]);
  if (values.slurm) return await runSlurmSweep(config, values);
  const shard = values.shard ? parseShard(values.shard as string) : undefined;
  const backend = await initBackend(values.backend as string | undefined);
  if (backend.fallbackReason) console.error(`sweep: ${backend.fallbackReason}`);
  if (backend.autoChoice) console.error(`sweep: backend: ${backend.autoChoice}`);
  const outDir = (values.out as string | undefined) ?? `${PROJECT_ROOT}/results/${config.name}`;
  console.error(
    `sweep: ${config.name} into ${outDir}${shard ? ` (shard ${shard.index}/${shard.count})` : ""}`,
  );
  const summary = await runSweep(config, {
    outDir,
    shard,
    backend: backend.name,
    adapter: backend.name === "webgpu" ? backend.adapter?.name : undefined,
    batch,
    adoptInputs: values["adopt-inputs"] as boolean,
    onProgress: (message) => console.error(`sweep: ${message}`),
  });
  console.error(
    `sweep: done: ${summary.ran} units run, ${summary.skipped} already done, ${summary.failed} failed`,
  );
  return 0;
}

async function isSlurmRun(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(`${dir}/${MANIFEST}`)).isFile;
  } catch {
    return false;
  }
}

if (import.meta.main) await runCli("sweep", main);
