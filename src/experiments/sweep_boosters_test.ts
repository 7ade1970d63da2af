/**
 * Sweep configs take the transfer boosters as attack options, checked before any work
 * starts: a bad rate, scale or level count names the field, the attack and the option.
 */
import assert from "node:assert/strict";
import { validateConfig } from "./sweep_config.ts";
import { PROJECT_ROOT } from "../paths.ts";

const BASE = {
  name: "boosters",
  images: ["data/samples/sample1.jpg"],
  eps: [8],
  steps: [5],
  sources: [["blazeface-front"]],
  judges: ["haar"],
  channels: ["jpeg75"],
  seeds: [1],
};

Deno.test("booster options in a sweep config are checked with the field and option named", () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [
      { ghostDropout: 1 },
      /field "attacks": mifgsm: ghostDropout must be a rate in \[0, 1\), got 1$/,
    ],
    [{ ghostSkip: "0.1" }, /ghostSkip must be a rate in \[0, 1\), got "0.1"$/],
    [{ augmentScale: 1.2 }, /augmentScale must be in \[0, 1\), got 1.2$/],
    [{ augmentShift: 0.7 }, /augmentShift must be in \[0, 0.5\], got 0.7$/],
    [{ augmentProb: 2 }, /augmentProb must be in \[0, 1\], got 2$/],
    [{ levels: 0 }, /levels must be a whole number from 1 to 6, got 0$/],
  ];
  for (const [options, pattern] of bad) {
    const config = { ...BASE, attacks: [{ attack: "mifgsm", ...options }] };
    assert.throws(() => validateConfig(config), pattern);
  }
  const good = {
    ...BASE,
    attacks: [{ attack: "pgd", ghostDropout: 0, ghostSkip: 0.2, augmentShift: 0.5, levels: 6 }],
  };
  assert.equal(validateConfig(good).name, "boosters");
});

Deno.test("the transfer-boosters config is valid", async () => {
  const path = `${PROJECT_ROOT}/results/configs/transfer-boosters.json`;
  assert.equal(validateConfig(JSON.parse(await Deno.readTextFile(path))).name, "transfer-boosters");
});
