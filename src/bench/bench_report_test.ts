/** The benchmark's text table, from a report written by hand. */
import assert from "node:assert/strict";
import { type BenchReport, type BenchRow, formatBenchText } from "./bench_report.ts";

const ROW: BenchRow = {
  model: "blazeface-front",
  batch: 8,
  input_size: 128,
  steps: 5,
  repetitions: 5,
  rounds: 3,
  anchor_warmup: 3,
  backend: "wasm",
  torch_device: "cpu",
  image_steps_per_s: 120.5,
  torch_image_steps_per_s: 100,
  ratio: 1.21,
  gflops: 14.83,
  ms_per_step: 66.4,
  threads: 2,
  peak_tensors: 310,
  rss_mib: 512,
};

const REPORT: BenchReport = {
  machine: { cpu: "Test CPU", cores: 2, torch_python: "/usr/bin/python3" },
  versions: {},
  code_version: "abc",
  config: {
    args: ["--json"],
    eps: 8,
    step: 2,
    loss: "hinge",
    anchor_loss: "sum of sigmoid",
    seed: 1,
    anchor_seed: 0,
    anchor_omp_wait_policy: "PASSIVE",
    quick: false,
    threads: null,
  },
  anchor: "ok",
  rows: [ROW],
  protect_seconds: null,
  memory: {
    steps: [20, 100],
    tensors: [5, 5],
    rss_mib: [400, 410],
    rss_growth: 0.025,
    tensors_equal: true,
    tfjs_tensors_now: 5,
  },
};

Deno.test("bench text: machine line, header, one padded line per row, memory and protect", () => {
  assert.deepEqual(formatBenchText(REPORT), [
    "machine: Test CPU, 2 cores; anchor: ok",
    "model            batch  backend  threads  ours/s   torch/s  ratio  GFLOP/s  ms/step  peak tensors  RSS MiB",
    "blazeface-front      8  wasm          2    120.5      100   1.21    14.83     66.4           310      512",
    "memory: tensors 5 -> 5 after 20 / 100 steps, RSS 400 -> 410 MiB (growth 2.5%)",
    "protect with defaults on sample1.jpg: skipped (--quick)",
  ]);
});

Deno.test("bench text: GPU notes, a star on rows timed against CUDA, and its footnote", () => {
  const gpuRow: BenchRow = {
    ...ROW,
    batch: 1,
    backend: "webgpu",
    adapter: "NVIDIA H200",
    torch_device: "cuda",
    torch_image_steps_per_s: null,
    ratio: null,
    gflops: null,
  };
  const lines = formatBenchText({
    ...REPORT,
    gpu: { adapter: "NVIDIA H200", software: false, cuda_anchor: "ok", notes: ["hardware GPU"] },
    rows: [gpuRow],
    protect_seconds: 12.3,
  });
  assert.equal(lines[1], "gpu: hardware GPU");
  assert.equal(
    lines[3],
    "blazeface-front      1  webgpu *      2    120.5        -      -        -     66.4           310      512",
  );
  assert.equal(
    lines[4],
    "* torch/s and ratio of webgpu rows: PyTorch on CUDA, not the 2-thread CPU anchor",
  );
  assert.equal(lines.at(-1), "protect with defaults on sample1.jpg: 12.3 s");
});

Deno.test("bench text: rows run with XNNPACK threads inside wasm show AxB and a footnote", () => {
  const lines = formatBenchText({
    ...REPORT,
    rows: [{ ...ROW, batch: 1, threads: 1, wasm_threads: 2 }, { ...ROW, wasm_threads: 1 }],
  });
  assert.equal(
    lines[2],
    "blazeface-front      1  wasm        1x2    120.5      100   1.21    14.83     66.4           310      512",
  );
  assert.equal(
    lines[3],
    "blazeface-front      8  wasm          2    120.5      100   1.21    14.83     66.4           310      512",
  );
  assert.ok(
    lines.includes(
      "threads AxB: A threads share the batch, each runs B XNNPACK threads inside wasm",
    ),
  );
});
