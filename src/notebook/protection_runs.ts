/**
 * Per-photo protection rows for a notebook comparing settings: the stored rows of
 * `deno task protect-eval` runs when every one is there, otherwise each setting run now on
 * a few small photos, so the notebook works on a fresh clone (and in the tests).
 */
import { initBackend } from "../backend.ts";
import type { PerturbOptions } from "../protect/perturb_photo.ts";
import { protectAndJudge, type ProtectedPhotoRow } from "../evaluation/protect_set.ts";
import { projectPath } from "./sweep_rows.ts";

/** Settings compared by label: perturbation overrides of the preset (null keeps the preset's). */
export type ProtectionCandidates = Record<string, Record<string, unknown>>;

/** What the notebook compares, and where stored rows are (a type, so notebookParams takes it). */
export type ProtectionRunsParams = {
  /** Stored rows per label (rows.jsonl of protect-eval runs), or null to run now. */
  runs: Record<string, string> | null;
  /** Settings per label, used when running now. */
  candidates: ProtectionCandidates;
  /** Photos to run now (relative to the repository root). */
  photos: string[];
  /** Strength preset the settings start from. */
  preset: string;
};

/** Rows per label and where they came from. */
export interface ProtectionRuns {
  /** Rows per setting label. */
  runs: Record<string, ProtectedPhotoRow[]>;
  /** "stored" (read from the runs' files) or "ran" (run now on `photos`). */
  source: "stored" | "ran";
}

/** Reads one protect-eval rows.jsonl. */
export async function readProtectionRows(path: string): Promise<ProtectedPhotoRow[]> {
  const text = await Deno.readTextFile(projectPath(path));
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(projectPath(path));
    return true;
  } catch {
    return false;
  }
}

/** The stored runs when all exist, else each candidate run now on the given photos. */
export async function protectionRunsOrSmall(
  params: ProtectionRunsParams,
  onPhoto?: (label: string, row: ProtectedPhotoRow) => void,
): Promise<ProtectionRuns> {
  const stored = params.runs;
  if (stored && (await Promise.all(Object.values(stored).map(exists))).every(Boolean)) {
    const runs: Record<string, ProtectedPhotoRow[]> = {};
    for (const [label, path] of Object.entries(stored)) {
      runs[label] = await readProtectionRows(path);
    }
    return { runs, source: "stored" };
  }
  await initBackend();
  const runs: Record<string, ProtectedPhotoRow[]> = {};
  for (const [label, overrides] of Object.entries(params.candidates)) {
    const perturb = Object.fromEntries(
      Object.entries(overrides).map(([k, v]) => [k, v === null ? undefined : v]),
    ) as Partial<PerturbOptions>;
    runs[label] = [];
    for (const photo of params.photos) {
      const row = await protectAndJudge(projectPath(photo), {
        preset: params.preset,
        perturb,
        format: "jpeg",
      }, []);
      runs[label].push(row);
      onPhoto?.(label, row);
    }
  }
  return { runs, source: "ran" };
}
