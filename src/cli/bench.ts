/**
 * `deno task bench [--json] [--quick] [--backend LIST] [--threads N] [--wasm-threads N]
 * [--models LIST]`
 *
 * PGD image-steps per second on BlazeFace front/back (batch 1 and 8), MediaPipe
 * full-range (batch 1), face-api's SSD (512), face-api's Tiny detector (608) and FaceBoxes
 * (1024) (batch 1 and 8) on our backends, a batch split over `--threads` threads (default
 * EQUALAIS_THREADS, else the cores, at most 4: what an attack uses), timed in three rounds
 * alternating with the PyTorch anchor on the same weights (medians of each side); achieved
 * GFLOP/s; memory over a long run; and protect's end-to-end seconds on sample1. Ratios
 * from one run are what count: these machines are noisy. `--models` keeps the rows of
 * the detectors named (comma-separated ids). `--wasm-threads N` runs tfjs's threaded
 * wasm build with N XNNPACK threads (default EQUALAIS_WASM_THREADS, else 1: what an
 * attack uses); with N > 1 only the batch-1 wasm rows run and protect is not timed.
 *
 * `--backend webgpu` adds GPU rows at batch 1, 8, 32 and 128 (the heavy models at 1 and
 * 8), each against PyTorch on CUDA (`torch_graph.py --device cuda`) where that is present.
 * On a software adapter (Mesa's llvmpipe) it says so and keeps to batch 1 and 8 of the
 * BlazeFace models: such rows measure a CPU.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend, WASM_THREADS_ENV } from "../backend.ts";
import { parseWasmThreads } from "../kernels/threaded_wasm.ts";
import { loadWhiteBoxDetector, unloadDetectors } from "../detectors/registry.ts";
import { DEFAULT_SOURCE_IDS, DETECTOR_IDS } from "../detectors/registry.ts";
import {
  memoryGrowth,
  pgdSpeed,
  SPEED_EPS,
  SPEED_LOSS,
  SPEED_SEED,
  SPEED_STEP,
  type SpeedResult,
} from "../bench/pgd_speed.ts";
import {
  ANCHOR_LOSS,
  ANCHOR_SEED,
  anchorForwardMflop,
  anchorSpeed,
  anchorWaitPolicy,
  cudaAvailable,
  torchPython,
} from "../bench/torch_anchor.ts";
import { probeGpuAdapter } from "../gpu/adapter.ts";
import { PROTECT_DEFAULTS } from "../protect/defaults.ts";
import { protectFile } from "../protect/protect_file.ts";
import { SAMPLES_DIR } from "../paths.ts";
import { collectProvenance } from "../experiments/provenance.ts";
import { UserError } from "../errors.ts";
import { median } from "../metrics/median.ts";
import { gradientThreads, parseThreads } from "../parallel/threads.ts";
import { parseFlags, runCli } from "./run_cli.ts";
import {
  type BenchMemory,
  type BenchReport,
  type BenchRow,
  formatBenchText,
} from "../bench/bench_report.ts";

/** Detector id -> the anchor's model name (MediaPipe has no anchor). */
const ANCHOR_MODEL: Record<string, string | undefined> = {
  "blazeface-front": "blazeface-front",
  "blazeface-back": "blazeface-back",
  "mediapipe-full": undefined,
  "faceapi-ssd": "faceapi-ssd",
  "faceapi-tiny": "faceapi-tiny",
  "faceboxes": "faceboxes",
};

/**
 * Models whose step costs a second or more on wasm (0.85-6.3 GFLOP forward, against
 * BlazeFace's 0.06-0.38): timed with fewer steps (HEAVY_TIMING), and under --quick at
 * batch 1 only.
 */
const HEAVY_MODELS = new Set(["faceapi-ssd", "faceapi-tiny", "faceboxes"]);

/** Input size (square side) of each model's rows; the anchor runs at the same size. */
const INPUT_SIZE: Record<string, number> = {
  "blazeface-front": 128,
  "blazeface-back": 256,
  "mediapipe-full": 192,
  "faceapi-ssd": 512,
  "faceapi-tiny": 608,
  "faceboxes": 1024,
};

/** Models and batches on the CPU backends. */
const CPU_PLAN: [string, number][] = [
  ["blazeface-front", 1],
  ["blazeface-front", 8],
  ["blazeface-back", 1],
  ["blazeface-back", 8],
  ["mediapipe-full", 1],
  ["faceapi-ssd", 1],
  ["faceapi-ssd", 8],
  ["faceapi-tiny", 1],
  ["faceapi-tiny", 8],
  ["faceboxes", 1],
  ["faceboxes", 8],
];

type Log = (message: string) => void;

/** The command line. */
interface BenchOptions {
  json: boolean;
  quick: boolean;
  backends: string[];
  /** --threads, when given. */
  threads?: number;
  /** --wasm-threads, when given: XNNPACK threads inside each wasm backend. */
  wasmThreads?: number;
  /** --models: the detector ids whose rows run (all when absent). */
  models?: string[];
}

/** How long each measurement runs. */
interface Timing {
  /** The anchor's untimed steps first (ours: always one). */
  warmup: number;
  /** PGD steps per repetition. */
  steps: number;
  /** Repetitions per timing (their median counts). */
  repetitions: number;
  /** Times anchor and ours alternate per row. */
  rounds: number;
}

function parseBenchArgs(args: string[]): BenchOptions {
  const { values } = parseFlags(args, {
    json: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    backend: { type: "string", default: "wasm,cpu" },
    threads: { type: "string" },
    "wasm-threads": { type: "string" },
    models: { type: "string" },
  });
  const known = [...new Set(CPU_PLAN.map(([id]) => id))];
  const models = values.models === undefined
    ? undefined
    : (values.models as string).split(",").map((m) => m.trim()).filter(Boolean);
  for (const model of models ?? []) {
    if (!known.includes(model)) {
      throw new UserError(`--models: unknown model "${model}"; choose from ${known.join(", ")}`);
    }
  }
  if (models && models.length === 0) {
    throw new UserError(`--models is empty; choose from ${known.join(", ")}`);
  }
  return {
    models,
    json: values.json as boolean,
    quick: values.quick as boolean,
    backends: (values.backend as string).split(",").map((b) => b.trim().toLowerCase()),
    threads: values.threads === undefined
      ? undefined
      : parseThreads(values.threads as string, "--threads"),
    wasmThreads: values["wasm-threads"] === undefined
      ? undefined
      : parseWasmThreads(values["wasm-threads"] as string, "--wasm-threads"),
  };
}

/** The timing of a model's rows: the heavy models take fewer, longer steps. */
function timingFor(quick: boolean, id: string): Timing {
  if (HEAVY_MODELS.has(id)) {
    // One warm-up step, as ours: three took the anchor minutes at batch 8 on a loaded machine.
    return { warmup: 1, steps: quick ? 1 : 2, repetitions: quick ? 2 : 3, rounds: quick ? 1 : 3 };
  }
  return {
    warmup: 3,
    steps: quick ? 2 : 5,
    repetitions: quick ? 2 : 5,
    // Anchor and ours alternate, `rounds` times per row, and each side's median counts: both
    // see the same machine state, and one fast or slow spell cannot decide a ratio (these
    // machines drift by 1.5x within minutes; one anchor ran 2.3x faster than in three
    // reruns right after it).
    rounds: quick ? 1 : 3,
  };
}

/** The PyTorch anchor's measurements in this run, which the rows are paired with. */
class Anchors {
  /** Image-steps per second by "id|batch" (CPU) or "cuda|id|batch"; null: none measured. */
  readonly speeds = new Map<string, number | null>();
  /** Forward MFLOP per image by anchor model, once asked for. */
  readonly flops = new Map<string, number | undefined>();
  /** Why the CPU anchor is unavailable, once found out. */
  note?: string;
  /** The anchor's engine ("torch <version> <device>"), once one ran. */
  readonly engines = new Set<string>();

  constructor(private readonly quick: boolean, private readonly log: Log) {}

  private async countFlops(model: string, size: number): Promise<void> {
    if (!this.flops.has(model)) this.flops.set(model, await anchorForwardMflop(model, size));
  }

  /**
   * Times the CPU anchor of a row once at the detector's input size; undefined without an
   * anchor model or PyTorch.
   */
  async timeCpu(id: string, batch: number, size: number): Promise<number | undefined> {
    const model = ANCHOR_MODEL[id];
    if (!model || this.note) return undefined;
    await this.countFlops(model, size);
    // Timed like ours: the median of several short repetitions after a warm-up (one long
    // timing swung by 3.5x between runs at batch 8).
    const { steps, repetitions, warmup } = timingFor(this.quick, id);
    const result = await anchorSpeed(model, batch, steps, "cpu", repetitions, size, warmup);
    if ("unavailable" in result) {
      this.note =
        `PyTorch anchor unavailable (${result.unavailable}); install Debian's python3-torch ` +
        `(deno task setup --bench does it as root) or set EQUALAIS_TORCH_PYTHON`;
      this.log(this.note);
      return undefined;
    }
    this.engines.add(result.engine);
    this.log(`anchor ${id} batch ${batch}: ${result.image_steps_per_s} image-steps/s`);
    return result.image_steps_per_s;
  }

  /** Times PyTorch on CUDA for every GPU row; a failure ends it with a note. */
  async timeCuda(gpu: GpuPlan): Promise<void> {
    for (const [id, batch] of gpu.plan) {
      const model = ANCHOR_MODEL[id];
      if (!model) continue;
      const size = INPUT_SIZE[id];
      await this.countFlops(model, size);
      const { steps, repetitions, warmup } = timingFor(this.quick, id);
      const result = await anchorSpeed(model, batch, steps, "cuda", repetitions, size, warmup);
      if ("unavailable" in result) {
        gpu.notes.push(`PyTorch CUDA anchor failed (${result.unavailable})`);
        this.log(gpu.notes.at(-1)!);
        break;
      }
      this.engines.add(result.engine);
      this.speeds.set(`cuda|${id}|${batch}`, result.image_steps_per_s);
      this.log(`CUDA anchor ${id} batch ${batch}: ${result.image_steps_per_s} image-steps/s`);
    }
  }
}

/**
 * Which rows of the CPU plan a backend runs: --quick keeps few (none at batch 8 of back or
 * of the heavy models), and the heavy models never run on the cpu backend (a step there
 * would take minutes).
 */
function runsRow(backend: string, quick: boolean, id: string, batch: number): boolean {
  if (HEAVY_MODELS.has(id) && backend === "cpu") return false;
  if (quick && backend !== "wasm" && !(id === "blazeface-front" && batch === 1)) return false;
  return !(quick && batch > 1 && (id === "blazeface-back" || HEAVY_MODELS.has(id)));
}

/** The rows of one backend, each paired with the anchor where it is the first to run. */
async function benchBackend(
  backend: string,
  options: BenchOptions,
  gpu: GpuPlan | undefined,
  anchors: Anchors,
  log: Log,
): Promise<BenchRow[]> {
  const { quick } = options;
  const info = await initBackend(backend);
  if (info.fallbackReason) log(info.fallbackReason);
  await unloadDetectors(); // weights live on the backend that loaded them
  const onGpu = info.name === "webgpu";
  const rows: BenchRow[] = [];
  for (const [id, batch] of onGpu && gpu ? gpu.plan : CPU_PLAN) {
    if (!onGpu && !runsRow(backend, quick, id, batch)) continue;
    if (options.models && !options.models.includes(id)) continue;
    // Batches are split over gradient workers, each with one XNNPACK thread: intra-op
    // threads are for a single image, and more of both would oversubscribe the cores.
    if ((info.wasmThreads ?? 1) > 1 && batch > 1) continue;
    const detector = await loadWhiteBoxDetector(id);
    if (detector.inputSize !== INPUT_SIZE[id]) {
      throw new Error(
        `${id}: input size ${detector.inputSize}, the bench expects ${INPUT_SIZE[id]}`,
      );
    }
    const timing = timingFor(quick, id);
    const threads = gradientThreads(options.threads);
    const key = `${id}|${batch}`;
    // The first CPU backend's row of a model and batch times the anchor beside it.
    const paired = !onGpu && !(quick && batch > 1) && ANCHOR_MODEL[id] !== undefined &&
      !anchors.speeds.has(key) && !anchors.note;
    const torchRuns: number[] = [];
    const ourRuns: SpeedResult[] = [];
    for (let round = 0; round < (paired ? timing.rounds : 1); round++) {
      if (paired) {
        const torch = await anchors.timeCpu(id, batch, detector.inputSize);
        if (torch !== undefined) torchRuns.push(torch);
      }
      // The cpu backend is 20-40x slower: one step per repetition keeps the run short;
      // so is a software GPU adapter.
      ourRuns.push(
        backend === "cpu" || (onGpu && gpu?.software)
          ? await pgdSpeed(detector, batch, 1, Math.min(timing.repetitions, onGpu ? 2 : 3), threads)
          : await pgdSpeed(detector, batch, timing.steps, timing.repetitions, threads),
      );
      if (anchors.note) break; // no anchor to pair with: one timing of ours is enough
    }
    if (paired) anchors.speeds.set(key, torchRuns.length ? median(torchRuns) : null);
    ourRuns.sort((a, b) => a.image_steps_per_s - b.image_steps_per_s);
    const speed = ourRuns[Math.floor(ourRuns.length / 2)];
    const torch = anchors.speeds.get(`${onGpu ? "cuda|" : ""}${id}|${batch}`) ?? null;
    const mflop = ANCHOR_MODEL[id] ? anchors.flops.get(ANCHOR_MODEL[id]!) : undefined;
    const slow = backend === "cpu" || (onGpu && gpu?.software);
    rows.push({
      model: id,
      batch,
      input_size: detector.inputSize,
      steps: slow ? 1 : timing.steps,
      repetitions: slow ? Math.min(timing.repetitions, onGpu ? 2 : 3) : timing.repetitions,
      rounds: paired ? timing.rounds : 1,
      anchor_warmup: timing.warmup,
      backend: info.name,
      ...(onGpu ? { adapter: info.adapter?.name } : {}),
      ...(info.wasmThreads !== undefined ? { wasm_threads: info.wasmThreads } : {}),
      torch_device: onGpu ? "cuda" : "cpu",
      image_steps_per_s: speed.image_steps_per_s,
      torch_image_steps_per_s: torch,
      ratio: torch ? Math.round((speed.image_steps_per_s / torch) * 100) / 100 : null,
      gflops: mflop ? Math.round(speed.image_steps_per_s * mflop * 2 / 1e3 * 100) / 100 : null,
      ms_per_step: speed.ms_per_step,
      threads: speed.threads,
      peak_tensors: speed.peak_tensors,
      rss_mib: speed.rss_mib,
    });
    log(
      `${info.name} ${id} batch ${batch}, ${speed.threads} thread(s): ` +
        `${speed.image_steps_per_s} image-steps/s`,
    );
  }
  return rows;
}

/** Tensors and memory over a long PGD run on wasm. */
async function measureMemory(options: BenchOptions, log: Log): Promise<BenchMemory> {
  await initBackend("wasm");
  await unloadDetectors();
  const front = await loadWhiteBoxDetector("blazeface-front");
  const [first, last] = options.quick ? [20, 100] : [20, 500];
  // Batch 2, so the gradient workers' path is measured too where there are threads.
  const threads = gradientThreads(options.threads);
  log(
    `memory: ${last} PGD steps at batch 2, ${Math.min(2, threads)} thread(s), ` +
      "after a warm-up",
  );
  return await memoryGrowth(front, first, last, 2, threads, options.quick ? 10 : 200);
}

/** protect's end-to-end seconds with its defaults on sample1. */
async function timeProtect(log: Log): Promise<number> {
  log("protect with defaults on data/samples/sample1.jpg");
  const out = await Deno.makeTempFile({ suffix: ".png" });
  const start = performance.now();
  await protectFile(`${SAMPLES_DIR}/sample1.jpg`, out, {
    ...PROTECT_DEFAULTS,
    eot: PROTECT_DEFAULTS.eot,
    detectors: [...DEFAULT_SOURCE_IDS],
    judges: [...DETECTOR_IDS].filter((d) => DEFAULT_SOURCE_IDS.includes(d)),
    backend: "wasm",
  });
  const seconds = Math.round((performance.now() - start) / 100) / 10;
  await Deno.remove(out);
  return seconds;
}

/** The report: provenance, the anchor's state, the GPU side, rows and memory. */
async function buildReport(
  options: BenchOptions,
  backends: string[],
  gpu: GpuPlan | undefined,
  anchors: Anchors,
  rows: BenchRow[],
  memory: BenchMemory,
  protectSeconds: number | null,
  protectSkipped: string | undefined,
): Promise<BenchReport> {
  const provenance = await collectProvenance(backends.join(","), gpu?.adapter);
  return {
    machine: { ...provenance.machine, torch_python: torchPython() },
    // The anchor's PyTorch beside our libraries (absent when no anchor ran).
    versions: {
      ...provenance.versions,
      ...(anchors.engines.size ? { torch: [...anchors.engines].join(", ") } : {}),
    },
    code_version: provenance.code_version,
    config: {
      args: [...Deno.args],
      eps: SPEED_EPS,
      step: SPEED_STEP,
      loss: SPEED_LOSS,
      anchor_loss: ANCHOR_LOSS,
      seed: SPEED_SEED,
      anchor_seed: ANCHOR_SEED,
      anchor_omp_wait_policy: anchorWaitPolicy(),
      quick: options.quick,
      threads: options.threads ?? null,
      wasm_threads: options.wasmThreads ?? null,
    },
    anchor: anchors.note ?? "ok",
    ...(gpu
      ? {
        gpu: {
          adapter: gpu.adapter ?? null,
          software: gpu.software,
          cuda_anchor: gpu.cuda === true ? "ok" : gpu.cuda,
          notes: gpu.notes,
        },
      }
      : {}),
    rows,
    protect_seconds: protectSeconds,
    ...(protectSkipped ? { protect_skipped: protectSkipped } : {}),
    memory: {
      ...memory,
      tensors_equal: memory.tensors[0] === memory.tensors[1],
      tfjs_tensors_now: tf.memory().numTensors,
    },
  };
}

async function main(): Promise<number> {
  const options = parseBenchArgs(Deno.args);
  // Through the environment, so every wasm start in this process (rows, memory, protect)
  // and the gradient workers it spawns run the same build.
  if (options.wasmThreads !== undefined) {
    Deno.env.set(WASM_THREADS_ENV, String(options.wasmThreads));
  }
  const log: Log = (m) => console.error(`bench: ${m}`);
  const anchors = new Anchors(options.quick, log);

  // The GPU side: which adapter, which batches, and PyTorch on CUDA where present.
  const gpu = options.backends.includes("webgpu") ? await gpuPlan(options.quick) : undefined;
  if (gpu) {
    for (const note of gpu.notes) log(note);
    if (gpu.cuda === true) await anchors.timeCuda(gpu);
  }

  const rows: BenchRow[] = [];
  for (const backend of options.backends) {
    rows.push(...await benchBackend(backend, options, gpu, anchors, log));
  }
  const memory = await measureMemory(options, log);
  // protect runs one XNNPACK thread per gradient worker; timed with more, it would only
  // measure the cores oversubscribed.
  const protectSkipped = options.quick
    ? "--quick"
    : (options.wasmThreads ?? 1) > 1
    ? "--wasm-threads: protect runs one XNNPACK thread per gradient worker"
    : undefined;
  const protectSeconds = protectSkipped ? null : await timeProtect(log);
  const report = await buildReport(
    options,
    options.backends,
    gpu,
    anchors,
    rows,
    memory,
    protectSeconds,
    protectSkipped,
  );
  console.log(options.json ? JSON.stringify(report) : formatBenchText(report).join("\n"));
  if (rows.length === 0) throw new UserError("no benchmark rows ran");
  return 0;
}

/** Batches on a hardware GPU: the table. */
const GPU_BATCHES = [1, 8, 32, 128];

/** What the webgpu rows will measure. */
interface GpuPlan {
  /** The adapter's name, when there is one. */
  adapter?: string;
  /** Whether it is a software adapter (or none). */
  software: boolean;
  /** Models and batches to run. */
  plan: [string, number][];
  /** Whether PyTorch has CUDA, or why not. */
  cuda: true | string;
  /** Sentences for the log and the report. */
  notes: string[];
}

/** What the webgpu rows will measure: adapter, plan, CUDA anchor availability, notes. */
async function gpuPlan(quick: boolean): Promise<GpuPlan> {
  const notes: string[] = [];
  const probe = await probeGpuAdapter();
  const adapter = "found" in probe ? probe.found : undefined;
  const software = !adapter || adapter.software;
  let plan: [string, number][];
  if (!adapter) {
    notes.push(`no WebGPU adapter (${"unavailable" in probe ? probe.unavailable : ""})`);
    plan = [];
  } else if (software) {
    notes.push(
      `no hardware GPU: WebGPU offers only ${adapter.name} (${adapter.softwareReason}); ` +
        "webgpu rows measure that CPU renderer, at small batches only",
    );
    plan = quick ? [["blazeface-front", 1]] : [
      ["blazeface-front", 1],
      ["blazeface-front", 8],
      ["blazeface-back", 1],
    ];
  } else {
    notes.push(`hardware GPU adapter: ${adapter.name}`);
    const batches = quick ? [1, 8] : GPU_BATCHES;
    plan = [
      ...batches.map((b) => ["blazeface-front", b] as [string, number]),
      ...(quick ? [] : batches.map((b) => ["blazeface-back", b] as [string, number])),
      ...(quick ? [] : [["mediapipe-full", 1] as [string, number]]),
      // The heavy models at batch 1 and 8 (1 only with --quick).
      ...[...HEAVY_MODELS].flatMap((id) =>
        (quick ? [1] : [1, 8]).map((b) => [id, b] as [string, number])
      ),
    ];
  }
  const cuda = await cudaAvailable();
  if (cuda !== true) notes.push(`no CUDA: ${cuda}; webgpu rows have no CUDA ratio`);
  return { adapter: adapter?.name, software, plan, cuda, notes };
}

if (import.meta.main) await runCli("bench", main);
