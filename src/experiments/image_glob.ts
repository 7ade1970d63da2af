/**
 * A sweep's `images` patterns expanded into photo paths with fast-glob (`*`, `?`, `**`,
 * `{a,b}`, `[...]` anywhere in the path). A pattern without glob characters names one
 * file, which must exist. Each pattern's matches are sorted; patterns keep their order and
 * a path matched twice counts once, so the grid's order is stable across runs.
 */
import fg from "fast-glob";
import { UserError } from "../errors.ts";

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Expands image paths and globs into sorted paths; throws a UserError naming a bad one. */
export function expandImages(patterns: string[]): string[] {
  const paths: string[] = [];
  for (const pattern of patterns) {
    if (!fg.isDynamicPattern(pattern)) {
      if (!isFile(pattern)) {
        throw new UserError(`config field "images": ${JSON.stringify(pattern)}: no such file`);
      }
      paths.push(pattern);
      continue;
    }
    let matches: string[];
    try {
      matches = fg.sync(pattern, { onlyFiles: true });
    } catch (error) {
      throw new UserError(
        `config field "images": ${JSON.stringify(pattern)} cannot be read (${
          (error as Error).message
        })`,
      );
    }
    if (matches.length === 0) {
      throw new UserError(`config field "images": ${JSON.stringify(pattern)} matches no file`);
    }
    paths.push(...matches.sort());
  }
  return [...new Set(paths)];
}
