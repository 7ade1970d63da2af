/**
 * The benchmark's report: its rows and the other measurements, and the plain-text table
 * `deno task bench` prints without --json.
 */

/** One benchmark row. */
export interface BenchRow {
  /** Detector id. */
  model: string;
  /** Images per step. */
  batch: number;
  /** Square input side of both sides' steps, pixels. */
  input_size: number;
  /** PGD steps per timed repetition (ours and the anchor's). */
  steps: number;
  /** Timed repetitions per measurement (the median counts). */
  repetitions: number;
  /** Measurements of each side, alternating with the anchor (the median counts). */
  rounds: number;
  /** The anchor's untimed steps before timing (ours: one). */
  anchor_warmup: number;
  /** The backend that ran it. */
  backend: string;
  /** The WebGPU adapter (webgpu rows only). */
  adapter?: string;
  /** Where the anchor of this row ran: "cpu" (2 threads) or "cuda" (webgpu rows). */
  torch_device: "cpu" | "cuda";
  /** Our PGD image-steps per second. */
  image_steps_per_s: number;
  /** The PyTorch anchor's, measured in the same run, or null without one. */
  torch_image_steps_per_s: number | null;
  /** Ours over the anchor's. */
  ratio: number | null;
  /** Achieved GFLOP/s from the anchor's FLOP count. */
  gflops: number | null;
  /** Milliseconds per PGD step. */
  ms_per_step: number;
  /** Threads that shared the batch (main one included). */
  threads: number;
  /** XNNPACK threads inside each of those threads' wasm backend (wasm rows only). */
  wasm_threads?: number;
  /** Most tfjs tensors alive during the run. */
  peak_tensors: number;
  /** Resident memory after it. */
  rss_mib: number;
}

/** Memory over a long PGD run. */
export interface BenchMemory {
  /** The step counts measured after. */
  steps: number[];
  /** tfjs tensors alive after each. */
  tensors: number[];
  /** Resident memory after each. */
  rss_mib: number[];
  /** Relative RSS growth between them. */
  rss_growth: number;
}

/** What the GPU side found (present with `--backend webgpu`). */
export interface BenchGpu {
  /** The adapter's name, or null without one. */
  adapter: string | null;
  /** Whether it is a software (CPU) adapter. */
  software: boolean;
  /** "ok", or why PyTorch on CUDA is unavailable. */
  cuda_anchor: string;
  /** Sentences about the adapter and the anchor. */
  notes: string[];
}

/** What every row measured: the same PGD step on both sides, and where inputs came from. */
export interface BenchConfig {
  /** The command line's arguments. */
  args: string[];
  /** L-inf budget and step, grey levels (the anchor's in its own input scale, same size). */
  eps: number;
  /** Step size, grey levels. */
  step: number;
  /** Our loss: the attacks' own objective. */
  loss: string;
  /** The anchor's loss. */
  anchor_loss: string;
  /** Seed of our random inputs (tf.randomUniform). */
  seed: number;
  /** Seed of the anchor's random inputs (torch.manual_seed). */
  anchor_seed: number;
  /** OpenMP wait policy of the anchor's threads (PASSIVE unless OMP_WAIT_POLICY says). */
  anchor_omp_wait_policy: string;
  /** Whether --quick shortened the run. */
  quick: boolean;
  /** --threads, or null for the default. */
  threads: number | null;
  /** --wasm-threads, or null for the default (EQUALAIS_WASM_THREADS, else 1). */
  wasm_threads?: number | null;
}

/** The whole report (`--json` prints it). */
export interface BenchReport {
  /** Machine facts and the anchor's Python. */
  machine: { cpu: string; cores: number; torch_python: string; [key: string]: unknown };
  /** Library versions. */
  versions: Record<string, string>;
  /** Git commit of the code. */
  code_version: string;
  /** What was measured and how: the step, losses, seeds and the command line. */
  config: BenchConfig;
  /** "ok", or why the CPU anchor is unavailable. */
  anchor: string;
  /** GPU side, with `--backend webgpu`. */
  gpu?: BenchGpu;
  /** The rows, in the order they ran. */
  rows: BenchRow[];
  /** protect's end-to-end seconds on sample1 (null when skipped). */
  protect_seconds: number | null;
  /** Why protect was not timed (default: --quick). */
  protect_skipped?: string;
  /** Memory over a long run, and whether tensors stayed level. */
  memory: BenchMemory & { tensors_equal: boolean; tfjs_tensors_now: number };
}

/** The report as the lines of a plain-text table. */
export function formatBenchText(report: BenchReport): string[] {
  const lines = [
    `machine: ${report.machine.cpu}, ${report.machine.cores} cores; anchor: ${report.anchor}`,
  ];
  for (const note of report.gpu?.notes ?? []) lines.push(`gpu: ${note}`);
  lines.push(
    "model            batch  backend  threads  ours/s   torch/s  ratio  GFLOP/s  ms/step  peak tensors  RSS MiB",
  );
  for (const r of report.rows) {
    lines.push(
      `${r.model.padEnd(16)} ${String(r.batch).padStart(5)}  ${r.backend.padEnd(7)}${
        r.torch_device === "cuda" ? "*" : " "
      }${threadsCell(r).padStart(7)}  ${String(r.image_steps_per_s).padStart(7)}  ${
        String(r.torch_image_steps_per_s ?? "-").padStart(7)
      }  ${String(r.ratio ?? "-").padStart(5)}  ${String(r.gflops ?? "-").padStart(7)}  ${
        String(r.ms_per_step).padStart(7)
      }  ${String(r.peak_tensors).padStart(12)}  ${String(r.rss_mib).padStart(7)}`,
    );
  }
  if (report.rows.some((r) => (r.wasm_threads ?? 1) > 1)) {
    lines.push("threads AxB: A threads share the batch, each runs B XNNPACK threads inside wasm");
  }
  if (report.rows.some((r) => r.torch_device === "cuda")) {
    lines.push("* torch/s and ratio of webgpu rows: PyTorch on CUDA, not the 2-thread CPU anchor");
  }
  const memory = report.memory;
  lines.push(
    `memory: tensors ${memory.tensors.join(" -> ")} after ${memory.steps.join(" / ")} steps, RSS ${
      memory.rss_mib.join(" -> ")
    } MiB (growth ${(memory.rss_growth * 100).toFixed(1)}%)`,
  );
  lines.push(
    `protect with defaults on sample1.jpg: ${
      report.protect_seconds === null
        ? `skipped (${report.protect_skipped ?? "--quick"})`
        : `${report.protect_seconds} s`
    }`,
  );
  return lines;
}

// "2", or "1x2" where wasm runs XNNPACK threads of its own.
function threadsCell(row: BenchRow): string {
  const inside = row.wasm_threads ?? 1;
  return inside > 1 ? `${row.threads}x${inside}` : String(row.threads);
}
