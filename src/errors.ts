/**
 * Errors meant for the user: their message is one complete sentence naming the
 * problem, and command-line tools print it without a stack trace.
 */

/** An error caused by the user's input (a file, a flag, a parameter), not by a bug. */
export class UserError extends Error {
  /** Creates a user-facing error whose message names the problem. */
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

/** A required set-up step has not been done; the message says which command fixes it. */
export class SetupError extends UserError {
  /** Creates an error that tells the user to run set-up. */
  constructor(message: string) {
    super(`${message} (run \`deno task setup\` first)`);
    this.name = "SetupError";
  }
}

/**
 * Returns a one-line description of any thrown value, for printing to stderr.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeError, UserError } from "./errors.ts";
 * assert.equal(describeError(new UserError("a.png: file not found")), "a.png: file not found");
 * assert.equal(describeError(new Error("first line\nsecond line")), "first line");
 * assert.equal(describeError(42), "42");
 * ```
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0];
  return String(error);
}
