/**
 * Notebook parameters. Papermill cannot parameterise TypeScript notebooks, so each
 * notebook states its defaults in its parameters cell and a JSON file named by
 * EQUALAIS_NOTEBOOK_PARAMS overrides them: `{"*": {...for every notebook}, "<notebook
 * name>": {...for that one}}`. `deno task notebooks --small` uses this to run every
 * notebook on tiny settings.
 */
import { UserError } from "../errors.ts";

/** The environment variable naming the parameters file. */
export const PARAMS_ENV = "EQUALAIS_NOTEBOOK_PARAMS";

function kind(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

/**
 * The notebook's parameters: `defaults` overridden by the parameters file's "*" section
 * (only keys the notebook has) and then by its own section (every key must be known).
 * An override must have the default's type; a default of null accepts anything.
 *
 * @example
 * ```ts
 * const params = await notebookParams("01_epsilon_sweep", { rows: "results/paper/rows.jsonl" });
 * ```
 */
export async function notebookParams<T extends Record<string, unknown>>(
  notebook: string,
  defaults: T,
  path: string | undefined = Deno.env.get(PARAMS_ENV),
): Promise<T> {
  if (!path) return { ...defaults };
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new UserError(`${PARAMS_ENV}=${path}: not a readable JSON file (${error})`);
  }
  if (kind(file) !== "object") throw new UserError(`${path}: must hold a JSON object`);
  const params: Record<string, unknown> = { ...defaults };
  const apply = (section: string, strict: boolean) => {
    const overrides = file[section];
    if (overrides === undefined) return;
    if (kind(overrides) !== "object") {
      throw new UserError(`${path}: "${section}" must be an object`);
    }
    for (const [key, value] of Object.entries(overrides as Record<string, unknown>)) {
      if (!(key in defaults)) {
        if (strict) {
          throw new UserError(
            `${path}: "${section}" sets unknown parameter "${key}" (known: ${
              Object.keys(defaults).join(", ")
            })`,
          );
        }
        continue;
      }
      const expected = kind(defaults[key]);
      if (expected !== "null" && value !== null && kind(value) !== expected) {
        throw new UserError(
          `${path}: parameter "${key}" must be ${expected}, got ${JSON.stringify(value)}`,
        );
      }
      params[key] = value;
    }
  };
  apply("*", false);
  apply(notebook, true);
  return params as T;
}
