/**
 * Jupyter for the research notebooks: Debian's nbconvert, nbclient and jupyter-client (what
 * headless execution needs), installed by `deno task setup` when running as root with
 * apt-get, and Deno's kernel registered with Jupyter so `jupyter lab`, `jupyter notebook`
 * and `deno task notebooks` find it.
 */
import { aptInstall, hasAptGet } from "./apt.ts";

/** Debian packages that execute notebooks headless (`jupyter nbconvert --execute`). */
export const JUPYTER_DEBIAN_PACKAGES: readonly string[] = [
  "jupyter-nbconvert",
  "python3-nbclient",
  "jupyter-client",
];

/** The equivalent for a machine without apt or root, for messages. */
export const JUPYTER_PIP_COMMAND =
  "python3 -m pip install --user nbconvert nbclient jupyter_client";

/** The name Deno's kernel registers under. */
export const DENO_KERNEL_NAME = "deno";

async function run(command: string, args: string[]): Promise<{ ok: boolean; stdout: string }> {
  try {
    const out = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
      .output();
    return { ok: out.success, stdout: new TextDecoder().decode(out.stdout) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { ok: false, stdout: "" };
    throw error;
  }
}

/** Whether `jupyter nbconvert` runs on this machine. */
export async function hasNbconvert(): Promise<boolean> {
  return (await run("jupyter", ["nbconvert", "--version"])).ok;
}

/**
 * The deno executable Jupyter's registered Deno kernel starts (links resolved), or
 * undefined when none is registered or its executable is gone.
 */
export async function registeredDenoKernel(): Promise<string | undefined> {
  const listed = await run("jupyter", ["kernelspec", "list", "--json"]);
  if (!listed.ok) return undefined;
  let executable: string | undefined;
  try {
    executable = JSON.parse(listed.stdout).kernelspecs?.[DENO_KERNEL_NAME]?.spec?.argv?.[0];
  } catch {
    return undefined;
  }
  return executable ? await Deno.realPath(executable).catch(() => undefined) : undefined;
}

/**
 * Installs Jupyter's headless tools (as root with apt-get; otherwise prints the pip command)
 * and registers this Deno as Jupyter's `deno` kernel, replacing a registration that points
 * at another deno executable. Idempotent; quick when everything is in place.
 */
export async function ensureJupyter(): Promise<void> {
  if (!(await hasNbconvert())) {
    if (Deno.uid() !== 0 || !(await hasAptGet())) {
      console.error(
        `setup: Jupyter: not installed; as root run \`apt-get install -y --no-install-recommends ` +
          `${JUPYTER_DEBIAN_PACKAGES.join(" ")}\`, or without root \`${JUPYTER_PIP_COMMAND}\` ` +
          "(the notebooks and their tests need it)",
      );
      return;
    }
    await aptInstall([...JUPYTER_DEBIAN_PACKAGES]);
    if (!(await hasNbconvert())) {
      throw new Error("Debian's Jupyter packages installed, but `jupyter nbconvert` does not run");
    }
  }
  const deno = await Deno.realPath(Deno.execPath());
  if ((await registeredDenoKernel()) === deno) {
    console.error(`setup: Jupyter: present, Deno kernel registered (${deno})`);
    return;
  }
  const install = await new Deno.Command(deno, {
    args: ["jupyter", "--install", "--force"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!install.success || (await registeredDenoKernel()) !== deno) {
    const message = new TextDecoder().decode(install.stderr).trim().split("\n").at(-1);
    throw new Error(`\`deno jupyter --install\` failed: ${message}`);
  }
  console.error(`setup: Jupyter: Deno kernel registered (${deno})`);
}
