/**
 * papers/figures/manifest.json: for every figure, the files made, their hashes, and where
 * they came from (the rows file and its SHA-256, the sweep config, the code versions that
 * wrote the rows and that drew the figure), so anyone can check a figure against its data.
 */
import { PROJECT_ROOT } from "../paths.ts";

/** Where a figure's data came from. */
export interface FigureSource {
  /** Rows file, relative to the repository root when inside it. */
  rows: string;
  /** SHA-256 of the rows file's bytes. */
  rows_sha256: string;
  /** Measured rows read. */
  rows_count: number;
  /** The sweep config from the run.json beside the rows (null when absent). */
  config: unknown;
  /** Code versions recorded in the rows. */
  code_version: string[];
}

/** One manifest entry. */
export interface ManifestEntry extends FigureSource {
  /** What the figure shows. */
  description: string;
  /** File names (inside the figures folder) per format. */
  files: { svg: string; png: string };
  /** SHA-256 of each file. */
  files_sha256: { svg: string; png: string };
}

/** The whole manifest. */
export interface FiguresManifest {
  /** The command that made it. */
  generated_by: string;
  /** Code version of the figure code (git commit, "+dirty" with uncommitted changes). */
  figures_code_version: string;
  /** The plotly.js package that drew the figures. */
  plotly: string;
  /** Entries by figure name. */
  figures: Record<string, ManifestEntry>;
}

/** A path relative to the repository root when inside it, else as given. */
export function projectRelative(path: string): string {
  const absolute = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  return absolute.startsWith(`${PROJECT_ROOT}/`)
    ? absolute.slice(PROJECT_ROOT.length + 1)
    : absolute;
}
