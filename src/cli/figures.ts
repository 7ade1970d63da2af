/**
 * `deno task figures [--rows FILE] [--cross-family-rows FILE] [--out DIR]`
 *
 * Regenerates every paper figure from stored result rows only (no attack runs): builds the
 * Plotly specs, renders them in headless Chromium to SVG and PNG, and writes
 * manifest.json (figure -> rows file, its SHA-256, sweep config, code versions).
 * Defaults: each figure's study rows (FIGURE_STUDIES: results/paper/ and
 * results/cross-family/) into papers/figures/.
 */
import { dirname } from "node:path";
import { UserError } from "../errors.ts";
import { sha256File, sha256Hex } from "../hash.ts";
import { PROJECT_ROOT } from "../paths.ts";
import { writeFileAtomic } from "../image/encode.ts";
import { exportFigures } from "../charts/export_figures.ts";
import {
  type FiguresManifest,
  type FigureSource,
  projectRelative,
} from "../charts/figures_manifest.ts";
import { workingTreeVersion } from "../experiments/code_version.ts";
import { FIGURE_STUDIES, type FigureStudy, PAPER_FIGURES } from "../charts/paper_figures.ts";
import { distinct, measuredRows, readResultRows, type ResultRow } from "../charts/result_rows.ts";
import { parseFlags, runCli } from "./run_cli.ts";

async function readConfig(rowsPath: string): Promise<unknown> {
  try {
    return JSON.parse(await Deno.readTextFile(`${dirname(rowsPath)}/run.json`)).config ?? null;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new UserError(`${dirname(rowsPath)}/run.json is not valid JSON`);
  }
}

/** A study's measured rows and where they came from. */
interface StudyRows {
  rows: ResultRow[];
  source: FigureSource;
}

async function readStudy(rowsPath: string): Promise<StudyRows> {
  const rows = measuredRows(await readResultRows(rowsPath));
  if (rows.length === 0) throw new UserError(`${rowsPath}: no measured rows to draw`);
  return {
    rows,
    source: {
      rows: projectRelative(rowsPath),
      rows_sha256: await sha256File(rowsPath),
      rows_count: rows.length,
      config: await readConfig(rowsPath),
      code_version: distinct(rows.map((r) => String(r.code_version))),
    },
  };
}

async function main(): Promise<void> {
  const { values, positionals } = parseFlags(Deno.args, {
    rows: { type: "string" },
    "cross-family-rows": { type: "string" },
    out: { type: "string" },
  });
  if (positionals.length) {
    throw new UserError("usage: figures [--rows FILE] [--cross-family-rows FILE] [--out DIR]");
  }
  const paths: Record<FigureStudy, string> = {
    paper: (values.rows as string | undefined) ?? `${PROJECT_ROOT}/${FIGURE_STUDIES.paper}`,
    "cross-family": (values["cross-family-rows"] as string | undefined) ??
      `${PROJECT_ROOT}/${FIGURE_STUDIES["cross-family"]}`,
  };
  const studies = new Map<FigureStudy, StudyRows>();
  for (const study of distinct(PAPER_FIGURES.map((f) => f.study))) {
    studies.set(study, await readStudy(paths[study]));
  }
  const specs = PAPER_FIGURES.map((figure) => figure.build(studies.get(figure.study)!.rows));
  console.error(
    `figures: rendering ${specs.length} figures from ${
      [...studies.values()].map((s) => `${s.source.rows_count} rows of ${s.source.rows}`)
        .join(" and ")
    }`,
  );
  const rendered = await exportFigures(specs);
  const out = (values.out as string | undefined) ?? `${PROJECT_ROOT}/papers/figures`;
  await Deno.mkdir(out, { recursive: true });
  const encoder = new TextEncoder();
  const manifest: FiguresManifest = {
    generated_by: "deno task figures",
    figures_code_version: await workingTreeVersion(),
    plotly: "plotly.js-cartesian-dist-min@4.1.1",
    figures: {},
  };
  for (const [i, figure] of PAPER_FIGURES.entries()) {
    const svg = encoder.encode(rendered[i].svg);
    const files = { svg: `${figure.name}.svg`, png: `${figure.name}.png` };
    await writeFileAtomic(`${out}/${files.svg}`, svg);
    await writeFileAtomic(`${out}/${files.png}`, rendered[i].png);
    manifest.figures[figure.name] = {
      description: figure.description,
      files,
      files_sha256: { svg: await sha256Hex(svg), png: await sha256Hex(rendered[i].png) },
      ...studies.get(figure.study)!.source,
    };
    console.error(`figures: ${out}/${figure.name}.{svg,png}`);
  }
  await writeFileAtomic(
    `${out}/manifest.json`,
    encoder.encode(JSON.stringify(manifest, null, 2) + "\n"),
  );
  console.error(`figures: ${out}/manifest.json`);
}

if (import.meta.main) await runCli("figures", main);
