/** Runs one of the project's command scripts as a user would, capturing its output. */
import { PROJECT_ROOT } from "../paths.ts";

/** Exit code and decoded output of a finished command. */
export interface CommandOutput {
  /** Exit code. */
  code: number;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** Runs `src/cli/<script>` with arguments (and extra environment) under this Deno. */
export async function runCliScript(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CommandOutput> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${PROJECT_ROOT}/src/cli/${script}`, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}
