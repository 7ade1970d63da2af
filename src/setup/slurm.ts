/**
 * Slurm for `sweep --slurm` and its tests: Debian's slurm-wlm (controller, node daemon and
 * client programs) and munge, installed by `deno task setup` when running as root with
 * apt-get. On a real cluster the site's own Slurm is used and nothing is installed.
 */
import { SLURM_PROGRAMS } from "../slurm/local_cluster.ts";
import { missingProgram } from "../slurm/programs.ts";
import { aptInstall, hasAptGet } from "./apt.ts";

/** Debian packages of a one-node cluster. */
export const SLURM_DEBIAN_PACKAGES: readonly string[] = ["slurm-wlm", "munge"];

/** Installs Slurm and munge if any of their programs is missing; says how otherwise. */
export async function ensureSlurm(): Promise<void> {
  const missing = missingProgram(SLURM_PROGRAMS);
  if (!missing) {
    console.error("setup: Slurm: present");
    return;
  }
  if (Deno.uid() !== 0 || !(await hasAptGet())) {
    console.error(
      `setup: Slurm: not installed (${missing} missing); \`sweep --slurm\` needs a cluster's ` +
        `client programs, and its tests need root to run apt-get install ` +
        SLURM_DEBIAN_PACKAGES.join(" "),
    );
    return;
  }
  await aptInstall([...SLURM_DEBIAN_PACKAGES]);
  const still = missingProgram(SLURM_PROGRAMS);
  console.error(
    still ? `setup: Slurm: ${still} still missing after install` : "setup: Slurm: installed",
  );
}
