/**
 * Provenance never falls back silently: without git the code version is "unknown", the
 * reason is printed on stderr once however often it is collected, and it is recorded in
 * `provenance_warnings`, which every result row then carries.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";
import { cpuModelFrom, type Provenance } from "./provenance.ts";
import { errorRow, provenanceFields } from "./result_row.ts";
import type { WorkUnit } from "./sweep_config.ts";

Deno.test("without git: code version unknown, said once on stderr and recorded", async () => {
  const code = `
    import { collectProvenance } from "./src/experiments/provenance.ts";
    await collectProvenance("wasm");
    console.log(JSON.stringify(await collectProvenance("wasm")));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    cwd: PROJECT_ROOT,
    env: { PATH: "/nonexistent" }, // no git to be found
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const provenance = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(provenance.code_version, "unknown");
  assert.ok(
    provenance.provenance_warnings.includes("code version unknown: git is not installed"),
    JSON.stringify(provenance.provenance_warnings),
  );
  assert.equal(stderr.split("warning: code version unknown: git is not installed").length, 2);
});

Deno.test("a /proc/cpuinfo without a model name (as on ARM) gives a reason, not a silent unknown", () => {
  const arm = "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\n";
  assert.deepEqual(cpuModelFrom(arm), { unknown: "cpu model unknown: /proc/cpuinfo names none" });
  assert.deepEqual(cpuModelFrom("model name\t: AMD EPYC 7B13\n"), { value: "AMD EPYC 7B13" });
});

Deno.test("rows carry provenance_warnings when a fact fell back, and only then", () => {
  const provenance: Provenance = {
    code_version: "unknown",
    versions: { deno: "2.9.6", tfjs: "4.22.0", human: "3.3.6", sharp: "0.34.5" },
    backend: "wasm",
    threads: 1,
    machine: { cores: 2, cpu: "x", os: "linux x86_64", memory_gib: 8 },
    provenance_warnings: ["code version unknown: git is not installed"],
  };
  const unit: WorkUnit = {
    index: 0,
    key: "k",
    image: "a.jpg",
    attack: { attack: "fgsm" },
    eps: 8,
    source: ["blazeface-front"],
    robust: false,
    seed: 1,
  };
  assert.deepEqual(errorRow(unit, "bad", provenance).provenance_warnings, [
    "code version unknown: git is not installed",
  ]);
  const { provenance_warnings: _w, ...clean } = provenance;
  assert.ok(!("provenance_warnings" in provenanceFields(clean)));
});
