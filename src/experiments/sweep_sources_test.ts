/**
 * Sweep source sets and ensemble weighing: "all-families" in a source set stands for the
 * six neural detectors (what the units attack and the rows record); an attack entry's
 * "balance" is checked; a set with no white-box member is refused naming the detector.
 */
import assert from "node:assert/strict";
import { UserError } from "../errors.ts";
import { expandSourceSet, expandUnits, validateConfig } from "./sweep_config.ts";

const BASE = {
  name: "sources",
  images: ["data/samples/sample1.jpg"],
  attacks: [{ attack: "pgd" }],
  eps: [8],
  steps: [10],
  sources: [["blazeface-front"]],
  judges: ["haar"],
  channels: ["identity"],
  seeds: [1],
};

const SIX = [
  "blazeface-back",
  "blazeface-front",
  "mediapipe-full",
  "faceapi-ssd",
  "faceapi-tiny",
  "faceboxes",
];

Deno.test("a source set of all-families attacks the six neural detectors", () => {
  assert.deepEqual(expandSourceSet(["all-families"]), SIX);
  // Already-named members are not repeated.
  assert.deepEqual(expandSourceSet(["blazeface-front", "all-families"]), [
    "blazeface-front",
    ...SIX.filter((id) => id !== "blazeface-front"),
  ]);
  const config = validateConfig({
    ...BASE,
    sources: [["all-families"], ["blazeface-front"]],
    attacks: [{ attack: "pgd", balance: "adaptive" }],
  });
  const units = expandUnits(config);
  assert.deepEqual(units.map((u) => u.source), [SIX, ["blazeface-front"]]);
  // The weighing is part of the attack entry, so every row's attack_options carries it.
  assert.equal(units[0].attack.balance, "adaptive");
});

Deno.test("sweep configs refuse an unknown balance and a source set without a white-box member", () => {
  const refused = (config: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(
      () => validateConfig(config),
      (e: Error) => e instanceof UserError && pattern.test(e.message) && !e.message.includes("\n"),
    );
  refused(
    { ...BASE, attacks: [{ attack: "pgd", balance: "even" }] },
    /field "attacks": "balance" of an attack must be one of off, log, adaptive, got "even"/,
  );
  refused({ ...BASE, sources: [["haar"]] }, /field "sources": "haar" is not a white-box detector/);
  refused(
    { ...BASE, sources: [["all-famillies"]] },
    /field "sources": "all-famillies" is not a white-box detector/,
  );
});
