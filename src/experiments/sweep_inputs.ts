/**
 * The photos a sweep ran on, by content: run.json records every expanded path with its
 * SHA-256, and a resume compares them with the files there now. A photo added to a glob,
 * removed or edited changes the grid (and which units each shard owns), so it is named and
 * the resume refused, instead of mixing rows of two different inputs.
 */
import { UserError } from "../errors.ts";
import { sha256File } from "../hash.ts";

/** One input photo as recorded in run.json. */
export interface InputFile {
  /** Path as the config's `images` expanded it. */
  path: string;
  /** SHA-256 of the file's bytes, lowercase hex. */
  sha256: string;
}

/** Hashes every path, in order; throws a UserError naming a file that cannot be read. */
export async function hashInputs(paths: string[]): Promise<InputFile[]> {
  const inputs: InputFile[] = [];
  for (const path of paths) {
    try {
      inputs.push({ path, sha256: await sha256File(path) });
    } catch (error) {
      throw new UserError(`${path}: cannot be read to record it (${(error as Error).message})`);
    }
  }
  return inputs;
}

/**
 * How `current` differs from `recorded`: one sentence naming the first new, removed or
 * modified photo (and how many more changes follow), or undefined when they are the same.
 */
export function describeInputChange(
  recorded: InputFile[],
  current: InputFile[],
): string | undefined {
  const before = new Map(recorded.map((f) => [f.path, f.sha256]));
  const now = new Map(current.map((f) => [f.path, f.sha256]));
  const changes: string[] = [];
  for (const { path, sha256 } of current) {
    const old = before.get(path);
    if (old === undefined) changes.push(`${path} is new (it matches the config's images now)`);
    else if (old !== sha256) changes.push(`${path} was modified (its SHA-256 differs)`);
  }
  for (const { path } of recorded) {
    if (!now.has(path)) changes.push(`${path} was removed (or no longer matches)`);
  }
  if (changes.length === 0) {
    const order = (files: InputFile[]) => files.map((f) => f.path).join("\n");
    return order(recorded) === order(current) ? undefined : "the photos' order changed";
  }
  const more = changes.length > 1 ? ` (and ${changes.length - 1} more changes)` : "";
  return `${changes[0]}${more}`;
}
