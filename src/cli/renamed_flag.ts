/**
 * Flags renamed so one role has one name: the old name keeps working for scripts, with
 * one deprecation line on stderr per process, and giving both names is refused.
 */
import { UserError } from "../errors.ts";
import { warnOnce } from "../experiments/warn_once.ts";
import type { Flags } from "./run_cli.ts";

/**
 * The value of `--now`, or of its old name `--old` (saying once on stderr that it was
 * renamed); undefined when neither is given. Declare both flags without a default.
 */
export function renamedFlag(
  values: Flags,
  command: string,
  names: { old: string; now: string },
): string | undefined {
  const { old, now } = names;
  if (values[old] !== undefined && values[now] !== undefined) {
    throw new UserError(`give --${now} or its old name --${old}, not both`);
  }
  if (values[old] === undefined) return values[now] as string | undefined;
  warnOnce(`${command}: --${old} is now --${now}; the old flag still works`);
  return values[old] as string;
}
