/** The `detect` command end to end, as a user runs it: JSON shape, bad inputs, flags. */
import assert from "node:assert/strict";
import { runCliScript } from "../testing/run_cli_script.ts";
import { SAMPLE_PATHS } from "../testing/fixtures.ts";
import { makeBadInputs } from "../testing/bad_inputs.ts";
import { backendFields, type DetectReport, formatDetectTable } from "./detect.ts";
import { probeGpuAdapter } from "../gpu/adapter.ts";
import { WEBGPU_SKIP_REASON } from "../gpu/webgpu_testing.ts";

const LLVMPIPE = { name: "llvmpipe (LLVM 15.0.6, 256 bits)", vendor: "65541", software: true };

function runDetect(args: string[], env: Record<string, string> = {}) {
  return runCliScript("detect.ts", args, env);
}

function assertNoStackTrace(stderr: string) {
  assert.ok(!/^\s+at /m.test(stderr), `stack trace on stderr:\n${stderr}`);
}

Deno.test("detect --json prints exactly one JSON object with faces per detector", async () => {
  const { code, stdout, stderr } = await runDetect([
    SAMPLE_PATHS[0],
    SAMPLE_PATHS[3],
    "--detectors",
    "blazeface-front,faceboxes",
    "--json",
  ]);
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout) as DetectReport;
  assert.equal(report.backend, "wasm");
  assert.equal("adapter" in report, false, "wasm ran: no adapter, even one auto passed over");
  assert.deepEqual(report.images.map((i) => [i.width, i.height]), [[1920, 1280], [1920, 1448]]);
  assert.deepEqual(Object.keys(report.images[0].detectors), ["blazeface-front", "faceboxes"]);
  assert.equal(report.images[0].detectors.faceboxes.faces.length, 3);
  assert.equal(report.images[1].detectors["blazeface-front"].faces.length, 4);
  const face = report.images[0].detectors.faceboxes.faces[0];
  assert.equal(face.box.length, 4);
  assert.ok(face.score > 0.5 && face.score <= 1);
  assert.ok(report.images[0].detectors.faceboxes.ms >= 0);
});

Deno.test("detect reports each bad image on one line and still processes the good ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-detect-" });
  try {
    const bad = await makeBadInputs(dir);
    const badPaths = Object.values(bad);
    const { code, stdout, stderr } = await runDetect([
      ...badPaths,
      SAMPLE_PATHS[0],
      "--detectors",
      "blazeface-front",
      "--json",
    ]);
    assert.equal(code, 1);
    assertNoStackTrace(stderr);
    const report = JSON.parse(stdout) as DetectReport;
    assert.equal(report.images.length, badPaths.length + 1);
    for (const [i, path] of badPaths.entries()) {
      assert.ok(report.images[i].error?.startsWith(path), `no error for ${path}`);
      assert.ok(stderr.includes(`detect: error: ${path}:`), `stderr lacks ${path}`);
    }
    const good = report.images.at(-1)!;
    assert.equal(good.error, undefined);
    assert.equal(good.detectors["blazeface-front"].faces.length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("unknown detector or backend: one line, non-zero exit", async () => {
  for (
    const [args, pattern] of [
      [["--detectors", "yolo"], /unknown detector "yolo"; choose from blazeface-back/],
      [["--backend", "cuda"], /unknown backend "cuda" from --backend; choose one of wasm, cpu/],
      [["--frobnicate"], /Unknown option '--frobnicate'/],
      [[], /no images given/],
    ] as const
  ) {
    const { code, stdout, stderr } = await runDetect([
      ...(args.length && args[0] !== "--frobnicate" ? [SAMPLE_PATHS[0]] : []),
      ...args,
    ]);
    assert.notEqual(code, 0);
    assert.equal(stdout, "");
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, pattern);
  }
});

Deno.test("backend from EQUALAIS_BACKEND, and a clear fallback when tensorflow is absent", async () => {
  const cpu = await runDetect([SAMPLE_PATHS[1], "--detectors", "blazeface-front", "--json"], {
    EQUALAIS_BACKEND: "cpu",
  });
  assert.equal(cpu.code, 0, cpu.stderr);
  assert.equal((JSON.parse(cpu.stdout) as DetectReport).backend, "cpu");

  const tf = await runDetect([
    SAMPLE_PATHS[1],
    "--detectors",
    "blazeface-front",
    "--backend",
    "tensorflow",
    "--json",
  ]);
  assert.equal(tf.code, 0, tf.stderr);
  assert.equal((JSON.parse(tf.stdout) as DetectReport).backend, "wasm");
  assert.match(tf.stderr, /backend "tensorflow" is unavailable \(.*\); using wasm/);
});

Deno.test("detect's report names the backend by id and the webgpu adapter beside it", () => {
  assert.deepEqual(backendFields({ name: "webgpu", adapter: LLVMPIPE }), {
    backend: "webgpu",
    adapter: "llvmpipe (LLVM 15.0.6, 256 bits)",
  });
  // auto passed over the software adapter and ran wasm: the adapter ran nothing.
  assert.deepEqual(backendFields({ name: "wasm", adapter: LLVMPIPE }), { backend: "wasm" });
  assert.deepEqual(backendFields({ name: "cpu" }), { backend: "cpu" });
  const table = formatDetectTable({ backend: "webgpu", adapter: "NVIDIA H200", images: [] }, []);
  assert.equal(table.split("\n")[0], "backend: webgpu (NVIDIA H200)");
});

Deno.test({
  name: 'detect --backend webgpu --json: backend is "webgpu", the adapter in its own field',
  ignore: WEBGPU_SKIP_REASON !== undefined,
}, async () => {
  const { code, stdout, stderr } = await runDetect([
    SAMPLE_PATHS[0],
    "--detectors",
    "blazeface-front",
    "--backend",
    "webgpu",
    "--json",
  ]);
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout) as DetectReport;
  const probe = await probeGpuAdapter();
  assert.ok("found" in probe, "the gate let this run, so WebGPU has an adapter");
  assert.equal(report.backend, "webgpu");
  assert.equal(report.adapter, probe.found.name);
  assert.equal(report.images[0].detectors["blazeface-front"].faces.length, 3);
});
