/**
 * `deno task report [--rows results/paper/rows.jsonl] [--report papers/report.md]
 *   [--protection LABEL=ROWS ...] [--cross-family-rows results/cross-family/rows.jsonl]`
 *
 * Recomputes the tables of the paper from stored rows (no attack runs) and rewrites them
 * in place in the report: sweep tables from `--rows`, per-photo protection tables from
 * protect-eval rows (default: the development-set runs in results/protection/), the
 * leave-one-family-out tables from that study's rows.
 */
import { UserError } from "../errors.ts";
import { PROJECT_ROOT } from "../paths.ts";
import { openRows } from "../experiments/row_store.ts";
import { writeFileAtomic } from "../image/encode.ts";
import { fillTables } from "../report/fill_tables.ts";
import { parseFlags, runCli } from "./run_cli.ts";
import type { ProtectedPhotoRow } from "../evaluation/protect_set.ts";
import { readProtectionRows } from "../notebook/protection_runs.ts";

/** The development-set runs the report's protection table shows, by setting. */
const DEFAULT_PROTECTION_RUNS = [
  `standard (default: a rung below the ceiling left after 2 stalled checks, refinement up to 40 steps, 120 at the ceiling, carrying on after a face, a boundary search of up to 6 checks to 1/80, at the ceiling a region search of up to 96 checks, the closer grey start carried on for 160 steps when both leave a face, and a second attempt along a finer ladder when SSIM ends below 0.95)=${PROJECT_ROOT}/results/protection/dev-visible-retry/rows.jsonl`,
  `the same without the second attempt=${PROJECT_ROOT}/results/protection/dev-resume-160/rows.jsonl`,
  `the same without carrying the closer grey start on=${PROJECT_ROOT}/results/protection/dev-region-96/rows.jsonl`,
  `the same without the region search=${PROJECT_ROOT}/results/protection/dev-boundary-fine/rows.jsonl`,
  `the same, the boundary search up to 4 checks to 1/20=${PROJECT_ROOT}/results/protection/dev-stall-2-alone/rows.jsonl`,
  `the same, every rung running its 40 steps (escalation.stallChecks 0)=${PROJECT_ROOT}/results/protection/dev-carry-on-refine-40/rows.jsonl`,
  `the same, a rung left at its first stalled check (escalation.stallChecks 1)=${PROJECT_ROOT}/results/protection/dev-stall-1/rows.jsonl`,
  `the same with up to 60 refinement steps below the ceiling=${PROJECT_ROOT}/results/protection/dev-refine-carry-on/rows.jsonl`,
  `the same going back to the best iterate after a face (60 steps below the ceiling)=${PROJECT_ROOT}/results/protection/dev-ceiling-refine-2/rows.jsonl`,
  `the same with 60 refinement steps at the ceiling too (rerun with the machine to itself)=${PROJECT_ROOT}/results/protection/dev-remeasure-alone/rows.jsonl`,
  `the same without the boundary search (refinement up to 60 steps, judging on both threads)=${PROJECT_ROOT}/results/protection/dev-refine-60-parallel-judging/rows.jsonl`,
  `refinement up to 60 steps, judging on both threads, the file at JPEG quality 99 (--quality 99)=${PROJECT_ROOT}/results/protection/dev-q99/rows.jsonl`,
  `ladder from 7.75, compensated code on small photos, refinement 40 steps=${PROJECT_ROOT}/results/protection/dev-code-compensation/rows.jsonl`,
  `the same with refinement up to 60 steps, judging on the main thread=${PROJECT_ROOT}/results/protection/dev-compensation-refine-60/rows.jsonl`,
  `standard, ladder from 7.75, second grey start, refinement 40 steps=${PROJECT_ROOT}/results/protection/dev-ladder-from-775/rows.jsonl`,
  `ladder from 7.75 with refinement up to 60 steps, before the compensated code=${PROJECT_ROOT}/results/protection/dev-refine-60/rows.jsonl`,
  `ladder from 7.75 with refinement up to 80 steps, before the compensated code=${PROJECT_ROOT}/results/protection/dev-refine-80/rows.jsonl`,
  `standard, ladder from 5.5, a second grey start when the first leaves a face=${PROJECT_ROOT}/results/protection/dev-two-starts/rows.jsonl`,
  `standard, JPEG q97, code spares flat blocks, refinement thins texture below the ceiling=${PROJECT_ROOT}/results/protection/dev-texture-below-ceiling/rows.jsonl`,
  `standard, texture thinned at every budget=${PROJECT_ROOT}/results/protection/dev-texture-share-03/rows.jsonl`,
  `standard, JPEG q97, code spares flat blocks, refinement push 1=${PROJECT_ROOT}/results/protection/dev-q97-spare/rows.jsonl`,
  `standard, JPEG q95, cells of up to 1.5 px on small photos=${PROJECT_ROOT}/results/protection/dev-face-cells/rows.jsonl`,
  `standard, cells of 1.5 px on every small photo=${PROJECT_ROOT}/results/protection/dev-minfactor/rows.jsonl`,
  `standard, pixel-level variable on small photos (ladder from 5.5, refinement)=${PROJECT_ROOT}/results/protection/dev-refine-fast/rows.jsonl`,
  `standard, ladder from 4, 60 refinement steps=${PROJECT_ROOT}/results/protection/dev-refine/rows.jsonl`,
  `standard before refinement (jnd-pgd, squared hinge, grey last resort)=${PROJECT_ROOT}/results/protection/dev-standard/rows.jsonl`,
  `standard before the single-face file check=${PROJECT_ROOT}/results/protection/dev-last-resort/rows.jsonl`,
  `standard without the last resort=${PROJECT_ROOT}/results/protection/dev-jnd-pgd/rows.jsonl`,
  `Auto-PGD + contrast map=${PROJECT_ROOT}/results/protection/dev-apgd/rows.jsonl`,
  `plain hinge, jnd-pgd (first 20 photos)=${PROJECT_ROOT}/results/protection/plain-hinge-dev-jnd-pgd/rows.jsonl`,
];

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, {
    rows: { type: "string", default: `${PROJECT_ROOT}/results/paper/rows.jsonl` },
    report: { type: "string", default: `${PROJECT_ROOT}/papers/report.md` },
    protection: { type: "string", multiple: true },
    "cross-family-rows": {
      type: "string",
      default: `${PROJECT_ROOT}/results/cross-family/rows.jsonl`,
    },
  });
  const runs: Record<string, ProtectedPhotoRow[]> = {};
  const specs = (values.protection as string[] | undefined) ?? DEFAULT_PROTECTION_RUNS;
  for (const spec of specs) {
    const at = spec.indexOf("=");
    if (at < 1) throw new UserError(`--protection must be LABEL=ROWS, got "${spec}"`);
    const path = spec.slice(at + 1);
    try {
      runs[spec.slice(0, at)] = await readProtectionRows(path);
    } catch {
      throw new UserError(`${path}: protection rows cannot be read`);
    }
  }
  const rows = await openRows(values.rows as string);
  if (rows.length === 0) throw new UserError(`${values.rows}: no result rows`);
  let text: string;
  try {
    text = await Deno.readTextFile(values.report as string);
  } catch {
    throw new UserError(`${values.report}: report cannot be read`);
  }
  const crossFamilyPath = values["cross-family-rows"] as string;
  const crossFamily = await Deno.stat(crossFamilyPath).then(
    () => openRows(crossFamilyPath),
    () => [], // only an error when the report names one of its tables (fillTables says so)
  );
  const filled = fillTables(text, rows, runs, crossFamily);
  await writeFileAtomic(values.report as string, new TextEncoder().encode(filled));
  // The project's formatter aligns the tables as `deno fmt --check` expects of a committed report.
  const fmt = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", "--config", `${PROJECT_ROOT}/deno.json`, values.report as string],
    cwd: PROJECT_ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!fmt.success) {
    throw new UserError(
      `deno fmt failed on ${values.report}: ${new TextDecoder().decode(fmt.stderr)}`,
    );
  }
  console.error(`report: tables in ${values.report} rebuilt from ${rows.length} rows`);
  return 0;
}

if (import.meta.main) await runCli("report", main);
