/**
 * `bench --quick`: the JSON report's shape, ratios computed from the anchor measured in
 * the same run, no tensor growth, and a clear report when the anchor is unavailable.
 * Never asserts speeds.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";
import { probeGpuAdapter } from "../gpu/adapter.ts";
import { WEBGPU_SKIP_REASON } from "../gpu/webgpu_testing.ts";

async function bench(env: Record<string, string> = {}, backend = "wasm", extra: string[] = []) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${PROJECT_ROOT}/src/cli/bench.ts`,
      "--quick",
      "--json",
      "--backend",
      backend,
      ...extra,
    ],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  return { report: JSON.parse(new TextDecoder().decode(out.stdout)), stderr };
}

async function torchAvailable(): Promise<boolean> {
  try {
    return (await new Deno.Command("/usr/bin/python3", {
      args: ["-c", "import torch"],
      stdout: "null",
      stderr: "null",
    }).output()).success;
  } catch {
    return false;
  }
}

Deno.test("bench --quick without the anchor: rows, memory, and the reason", async () => {
  const { report, stderr } = await bench({ EQUALAIS_TORCH_PYTHON: "/nonexistent/python3" });
  assert.match(report.anchor, /PyTorch anchor unavailable/);
  assert.match(stderr, /nonexistent\/python3/);
  assert.ok(report.machine.cores >= 1 && typeof report.machine.cpu === "string");
  const models = report.rows.map((r: { model: string; batch: number }) => `${r.model}/${r.batch}`);
  assert.deepEqual(models, [
    "blazeface-front/1",
    "blazeface-front/8",
    "blazeface-back/1",
    "mediapipe-full/1",
    "faceapi-ssd/1",
    "faceapi-tiny/1",
    "faceboxes/1",
  ]);
  const sizes = report.rows.map((r: { input_size: number }) => r.input_size);
  assert.deepEqual(sizes, [128, 128, 256, 192, 512, 608, 1024]);
  // Batch 8 is split over the threads an attack would use; batch 1 cannot be.
  const cores = Math.max(1, Math.min(4, navigator.hardwareConcurrency));
  for (const row of report.rows) {
    assert.equal(row.threads, row.batch === 1 ? 1 : Math.min(cores, row.batch), row.model);
    assert.equal(row.backend, "wasm");
    assert.equal(row.wasm_threads, 1, row.model);
    assert.ok(row.image_steps_per_s > 0);
    assert.equal(row.torch_image_steps_per_s, null);
    assert.equal(row.ratio, null);
  }
  assert.equal(report.memory.tensors_equal, true, `tensors ${report.memory.tensors}`);
  assert.equal(report.protect_seconds, null);
  // What was measured is recorded with the rows.
  assert.deepEqual(
    [report.config.eps, report.config.step, report.config.seed, report.config.quick],
    [8, 2, 1, true],
  );
  assert.equal(typeof report.versions.tfjs, "string");
});

Deno.test("bench --models: an unknown name is one line naming the option", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${PROJECT_ROOT}/src/cli/bench.ts`, "--models", "faceapi-ssd,nope"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  assert.notEqual(out.code, 0);
  assert.equal(stderr.split("\n").length, 1, stderr);
  assert.match(stderr, /--models: unknown model "nope"; choose from .*faceapi-tiny/);
});

Deno.test("bench --wasm-threads 2: batch-1 rows only, each on two XNNPACK threads", async () => {
  const { report } = await bench(
    { EQUALAIS_TORCH_PYTHON: "/nonexistent/python3" },
    "wasm",
    ["--wasm-threads", "2", "--models", "blazeface-front,faceapi-tiny"],
  );
  const models = report.rows.map((r: { model: string; batch: number }) => `${r.model}/${r.batch}`);
  assert.deepEqual(models, ["blazeface-front/1", "faceapi-tiny/1"]);
  for (const row of report.rows) {
    // Read back from XNNPACK's pool, not from the flag.
    assert.equal(row.wasm_threads, 2, row.model);
    assert.equal(row.threads, 1, row.model);
    assert.ok(row.image_steps_per_s > 0, row.model);
  }
  assert.equal(report.config.wasm_threads, 2);
  assert.equal(report.memory.tensors_equal, true, `tensors ${report.memory.tensors}`);

  const bad = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${PROJECT_ROOT}/src/cli/bench.ts`, "--wasm-threads", "0"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(bad.stderr).trim();
  assert.notEqual(bad.code, 0);
  assert.equal(stderr.split("\n").length, 1, stderr);
  assert.match(stderr, /--wasm-threads must be a whole number from 1 to 8, got "0"/);
});

Deno.test("bench --quick with the anchor: ratio = ours / torch, FLOP rate from its counts", async () => {
  if (!(await torchAvailable())) {
    throw new Error("python3-torch is missing: `deno task setup --bench` installs it (root, apt)");
  }
  // One BlazeFace model and one of the heavy ones (the cheapest) keep the run short.
  const { report } = await bench({}, "wasm", ["--models", "blazeface-front,faceapi-tiny"]);
  assert.equal(report.anchor, "ok");
  const models = report.rows.map((r: { model: string; batch: number }) => `${r.model}/${r.batch}`);
  assert.deepEqual(models, ["blazeface-front/1", "blazeface-front/8", "faceapi-tiny/1"]);
  // Forward MFLOP per image (the anchor's counts) x 2 per step.
  for (const [model, mflop] of [["blazeface-front", 61.52], ["faceapi-tiny", 850.48]] as const) {
    const row = report.rows.find((r: { model: string; batch: number }) =>
      r.model === model && r.batch === 1
    );
    assert.ok(row.torch_image_steps_per_s > 0, model);
    const ratio = row.image_steps_per_s / row.torch_image_steps_per_s;
    assert.ok(Math.abs(row.ratio - ratio) < 0.01, `${model}: ${row.ratio} vs ${ratio}`);
    const gflops = row.image_steps_per_s * mflop * 2 / 1000;
    assert.ok(Math.abs(row.gflops - gflops) <= Math.max(0.05, gflops * 0.01), model);
  }
});

Deno.test({
  name:
    "bench --quick --backend webgpu: GPU rows name the adapter; no GPU or CUDA is said, not fatal",
  ignore: WEBGPU_SKIP_REASON !== undefined,
}, async () => {
  const { report } = await bench({ EQUALAIS_TORCH_PYTHON: "/nonexistent/python3" }, "webgpu");
  const probe = await probeGpuAdapter();
  const adapter = "found" in probe ? probe.found : undefined;
  assert.equal(report.gpu.adapter, adapter?.name);
  assert.match(report.gpu.cuda_anchor, /nonexistent\/python3/);
  assert.ok(report.gpu.notes.some((n: string) => /^no CUDA: /.test(n)), report.gpu.notes);
  const rows = report.rows.filter((r: { backend: string }) => r.backend === "webgpu");
  assert.ok(rows.length >= 1);
  for (const row of rows) {
    assert.equal(row.adapter, adapter?.name);
    assert.equal(row.torch_device, "cuda");
    assert.equal(row.ratio, null);
    assert.ok(row.image_steps_per_s > 0);
  }
  if (adapter?.software) {
    // This machine kind (CI included): llvmpipe, said plainly, small batches only.
    assert.equal(report.gpu.software, true);
    assert.ok(report.gpu.notes.some((n: string) => /^no hardware GPU: /.test(n)));
    assert.deepEqual(rows.map((r: { batch: number }) => r.batch), [1]);
  } else {
    assert.deepEqual(rows.map((r: { batch: number }) => r.batch), [1, 8]);
  }
});
