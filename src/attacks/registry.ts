/**
 * Every attack by its command-line name. Adding an attack means one file, one test and
 * one line here.
 */
import { UserError } from "../errors.ts";
import { apgd } from "./apgd.ts";
import { bim } from "./bim.ts";
import { difgsm } from "./difgsm.ts";
import { fgsm } from "./fgsm.ts";
import { jndPgd } from "./jnd_pgd.ts";
import { mifgsm } from "./mifgsm.ts";
import { pgd } from "./pgd.ts";
import { tifgsm } from "./tifgsm.ts";
import type { Attack } from "./types.ts";

/** A registered attack. */
export interface AttackEntry {
  /** Command-line name. */
  name: string;
  /** The attack function. */
  run: Attack;
  /** One line: what it is and where it comes from. */
  description: string;
}

/** The registry, in listing order. */
export const ATTACKS: readonly AttackEntry[] = [
  { name: "fgsm", run: fgsm, description: "one signed step (Goodfellow et al. 2015)" },
  { name: "bim", run: bim, description: "iterative FGSM (Kurakin et al. 2017)" },
  { name: "pgd", run: pgd, description: "PGD with random start, L-inf or L2 (Madry et al. 2018)" },
  { name: "mifgsm", run: mifgsm, description: "momentum iterative FGSM (Dong et al. 2018)" },
  { name: "difgsm", run: difgsm, description: "input diversity (Xie et al. 2019)" },
  {
    name: "tifgsm",
    run: tifgsm,
    description: "translation-invariant, smoothed gradients (Dong et al. 2019)",
  },
  {
    name: "apgd",
    run: apgd,
    description:
      "Auto-PGD: momentum, step halving and restarts from the best point (Croce and Hein 2020)",
  },
  {
    name: "jnd-pgd",
    run: jndPgd,
    description: "PGD with a texture-adaptive budget: less change in flat regions",
  },
];

/** Names of all attacks. */
export const ATTACK_NAMES: readonly string[] = ATTACKS.map((a) => a.name);

/**
 * Finds an attack by name; throws a UserError listing the valid names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getAttack } from "./registry.ts";
 * const { name, run, description } = getAttack("apgd");
 * assert.equal(name, "apgd");
 * assert.equal(typeof run, "function"); // run(problem, { eps, steps, ... })
 * assert.match(description, /Croce and Hein/);
 * assert.throws(() => getAttack("cw"), /unknown attack "cw"/);
 * ```
 */
export function getAttack(name: string): AttackEntry {
  const entry = ATTACKS.find((a) => a.name === name);
  if (!entry) {
    throw new UserError(`unknown attack "${name}"; choose one of ${ATTACK_NAMES.join(", ")}`);
  }
  return entry;
}
