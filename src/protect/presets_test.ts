/** The strength presets: well-formed, ordered gentlest first, and looked up by id. */
import assert from "node:assert/strict";
import { UserError } from "../errors.ts";
import { DEFAULT_SOURCE_IDS } from "../detectors/registry.ts";
import { PROTECT_DEFAULTS } from "./defaults.ts";
import { DEFAULT_PRESET_ID, getPreset, presetPerturbOptions, PRESETS } from "./presets.ts";

Deno.test("presets are distinct, described, and grow in budget and steps", () => {
  assert.deepEqual(PRESETS.map((p) => p.id), ["light", "standard", "strong"]);
  assert.equal(getPreset(DEFAULT_PRESET_ID).id, "standard");
  const settings = PRESETS.map(presetPerturbOptions);
  for (const [i, preset] of PRESETS.entries()) {
    assert.ok(preset.label.length > 0 && preset.description.length > 40, preset.id);
    assert.deepEqual(settings[i].detectors, [...DEFAULT_SOURCE_IDS]);
    assert.equal(settings[i].robust, true, preset.id);
    if (i > 0) {
      assert.ok(settings[i].eps > settings[i - 1].eps, preset.id);
      assert.ok(settings[i].steps >= settings[i - 1].steps, preset.id);
    }
  }
  // The standard preset is exactly the recommended defaults.
  const standard = presetPerturbOptions(getPreset("standard"));
  assert.equal(standard.eps, PROTECT_DEFAULTS.eps);
  assert.equal(standard.steps, PROTECT_DEFAULTS.steps);
  assert.equal(standard.attack, PROTECT_DEFAULTS.attack);
});

Deno.test("an unknown preset names the known ones", () => {
  assert.throws(
    () => getPreset("max"),
    (e: Error) =>
      e instanceof UserError &&
      e.message === 'unknown preset "max"; choose from light, standard, strong',
  );
});
