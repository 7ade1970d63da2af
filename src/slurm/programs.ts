/**
 * Running the programs Slurm is driven by: whether they are installed, and their output
 * with the exit status, never a thrown error for a non-zero exit.
 */

/** What a program printed, and whether it succeeded. */
export interface ProgramOutput {
  /** Exit status 0. */
  ok: boolean;
  /** Standard output, trimmed. */
  stdout: string;
  /** Standard error, trimmed. */
  stderr: string;
}

/** Returns the first program of `names` not on PATH, or undefined when all are there. */
export function missingProgram(names: string[]): string | undefined {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/sbin"]);
  return names.find((name) =>
    !dirs.some((dir) => {
      try {
        return Deno.statSync(`${dir}/${name}`).isFile;
      } catch {
        return false;
      }
    })
  );
}

/** Runs a program to completion (extra environment on top of this process's). */
export async function runProgram(
  command: string,
  args: string[],
  env?: Record<string, string>,
): Promise<ProgramOutput> {
  const output = await new Deno.Command(command, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder();
  return {
    ok: output.success,
    stdout: text.decode(output.stdout).trim(),
    stderr: text.decode(output.stderr).trim(),
  };
}
