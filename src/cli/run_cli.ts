/**
 * The common frame of every command: parse flags, run, and turn any error into one
 * line on stderr and a non-zero exit, never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { describeError, UserError } from "../errors.ts";

/** Parsed command-line values. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** Parses flags with node:util's parser, turning its errors into UserErrors. */
export function parseFlags(
  args: string[],
  options: ParseArgsConfig["options"],
): { values: Flags; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Flags, positionals };
  } catch (error) {
    throw new UserError(describeError(error).replace(/\. To specify a positional.*$/, ""));
  }
}

/** Parses a number flag and checks its range; throws a UserError naming the flag. */
export function numberFlag(
  values: Flags,
  name: string,
  fallback: number,
  range: { min: number; max: number; integer?: boolean },
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(value)) {
    throw new UserError(`--${name} must be a number, got "${raw}"`);
  }
  if (range.integer && !Number.isInteger(value)) {
    throw new UserError(`--${name} must be a whole number, got ${raw}`);
  }
  if (value < range.min || value > range.max) {
    throw new UserError(`--${name} must be between ${range.min} and ${range.max}, got ${raw}`);
  }
  return value;
}

/** Runs a command's main function; prints `error: ...` and exits 1 (or the returned code). */
export async function runCli(name: string, main: () => Promise<number | void>): Promise<void> {
  let code = 0;
  try {
    code = (await main()) ?? 0;
  } catch (error) {
    console.error(`${name}: error: ${describeError(error)}`);
    if (!(error instanceof UserError) && Deno.env.get("EQUALAIS_DEBUG")) console.error(error);
    code = error instanceof UserError ? 2 : 1;
  }
  Deno.exit(code);
}
