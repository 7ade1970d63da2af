/**
 * `deno task bench [--json] [--quick] [--backend LIST] [--threads N]`
 *
 * PGD image-steps per second on BlazeFace front/back (batch 1 and 8) and MediaPipe
 * full-range (batch 1) on our backends, a batch split over `--threads` threads (default
 * EQUALAIS_THREADS, else the cores, at most 4: what an attack uses), timed in three rounds
 * alternating with the PyTorch anchor on the same weights (medians of each side); achieved
 * GFLOP/s; memory over a long run; and protect's end-to-end seconds on sample1. Ratios
 * from one run are what count: these machines are noisy.
 *
 * `--backend webgpu` adds GPU rows at batch 1, 8, 32 and 128, each against PyTorch on
 * CUDA (`torch_graph.py --device cuda`) where that is present. On a software adapter
 * (Mesa's llvmpipe) it says so and keeps to batch 1 and 8: such rows measure a CPU.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { loadWhiteBoxDetector, unloadDetectors } from "../detectors/registry.ts";
import { DEFAULT_SOURCE_IDS, DETECTOR_IDS } from "../detectors/registry.ts";
import { memoryGrowth, pgdSpeed, type SpeedResult } from "../bench/pgd_speed.ts";
import {
  anchorForwardMflop,
  anchorSpeed,
  cudaAvailable,
  torchPython,
} from "../bench/torch_anchor.ts";
import { probeGpuAdapter } from "../gpu/adapter.ts";
import { PROTECT_DEFAULTS } from "../protect/defaults.ts";
import { protectFile } from "../protect/protect_file.ts";
import { SAMPLES_DIR } from "../paths.ts";
import { collectProvenance } from "../experiments/provenance.ts";
import { UserError } from "../errors.ts";
import { gradientThreads, parseThreads } from "../parallel/threads.ts";
import { parseFlags, runCli } from "./run_cli.ts";

/** Detector id -> the anchor's model name (MediaPipe has no anchor). */
const ANCHOR_MODEL: Record<string, string | undefined> = {
  "blazeface-front": "blazeface-front",
  "blazeface-back": "blazeface-back",
  "mediapipe-full": undefined,
};

/** One benchmark row. */
interface BenchRow {
  model: string;
  batch: number;
  backend: string;
  /** The WebGPU adapter (webgpu rows only). */
  adapter?: string;
  /** Where the anchor of this row ran: "cpu" (2 threads) or "cuda" (webgpu rows). */
  torch_device: "cpu" | "cuda";
  image_steps_per_s: number;
  torch_image_steps_per_s: number | null;
  ratio: number | null;
  gflops: number | null;
  ms_per_step: number;
  /** Threads that shared the batch (main one included). */
  threads: number;
  peak_tensors: number;
  rss_mib: number;
}

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, {
    json: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    backend: { type: "string", default: "wasm,cpu" },
    threads: { type: "string" },
  });
  const threadsFlag = values.threads === undefined
    ? undefined
    : parseThreads(values.threads as string, "--threads");
  const quick = values.quick as boolean;
  const backends = (values.backend as string).split(",").map((b) => b.trim().toLowerCase());
  const log = (m: string) => console.error(`bench: ${m}`);
  const plan: [string, number][] = [
    ["blazeface-front", 1],
    ["blazeface-front", 8],
    ["blazeface-back", 1],
    ["blazeface-back", 8],
    ["mediapipe-full", 1],
  ];
  const steps = quick ? 2 : 5;
  const repetitions = quick ? 2 : 5;

  // Anchor and ours alternate, `rounds` times per row, and each side's median counts: both
  // see the same machine state, and one fast or slow spell cannot decide a ratio (these
  // machines drift by 1.5x within minutes; one anchor ran 2.3x faster than in three
  // reruns right after it).
  const rounds = quick ? 1 : 3;
  const anchor = new Map<string, number | null>();
  const flops = new Map<string, number | undefined>();
  let anchorNote: string | undefined;
  const timeAnchor = async (id: string, batch: number): Promise<number | undefined> => {
    const model = ANCHOR_MODEL[id];
    if (!model || anchorNote) return undefined;
    if (!flops.has(model)) flops.set(model, await anchorForwardMflop(model));
    // Timed like ours: the median of several short repetitions after a warm-up (one long
    // timing swung by 3.5x between runs at batch 8).
    const result = await anchorSpeed(model, batch, steps, "cpu", repetitions);
    if ("unavailable" in result) {
      anchorNote =
        `PyTorch anchor unavailable (${result.unavailable}); install Debian's python3-torch ` +
        `(deno task setup --bench does it as root) or set EQUALAIS_TORCH_PYTHON`;
      log(anchorNote);
      return undefined;
    }
    log(`anchor ${id} batch ${batch}: ${result.image_steps_per_s} image-steps/s`);
    return result.image_steps_per_s;
  };

  // The GPU side: which adapter, which batches, and PyTorch on CUDA where present.
  const gpu = backends.includes("webgpu") ? await gpuPlan(quick) : undefined;
  if (gpu) {
    for (const note of gpu.notes) log(note);
    if (gpu.cuda === true) {
      for (const [id, batch] of gpu.plan) {
        const model = ANCHOR_MODEL[id];
        if (!model) continue;
        if (!flops.has(model)) flops.set(model, await anchorForwardMflop(model));
        const result = await anchorSpeed(model, batch, steps, "cuda", repetitions);
        if ("unavailable" in result) {
          gpu.notes.push(`PyTorch CUDA anchor failed (${result.unavailable})`);
          log(gpu.notes.at(-1)!);
          break;
        }
        anchor.set(`cuda|${id}|${batch}`, result.image_steps_per_s);
        log(`CUDA anchor ${id} batch ${batch}: ${result.image_steps_per_s} image-steps/s`);
      }
    }
  }

  const rows: BenchRow[] = [];
  for (const backend of backends) {
    const info = await initBackend(backend);
    if (info.fallbackReason) log(info.fallbackReason);
    await unloadDetectors(); // weights live on the backend that loaded them
    const onGpu = info.name === "webgpu";
    for (const [id, batch] of onGpu && gpu ? gpu.plan : plan) {
      if (!onGpu && quick && backend !== "wasm" && !(id === "blazeface-front" && batch === 1)) {
        continue;
      }
      if (!onGpu && quick && batch > 1 && id === "blazeface-back") continue;
      const detector = await loadWhiteBoxDetector(id);
      const threads = gradientThreads(threadsFlag);
      const key = `${id}|${batch}`;
      // The first CPU backend's row of a model and batch times the anchor beside it.
      const paired = !onGpu && !(quick && batch > 1) && ANCHOR_MODEL[id] !== undefined &&
        !anchor.has(key) && !anchorNote;
      const torchRuns: number[] = [];
      const ourRuns: SpeedResult[] = [];
      for (let round = 0; round < (paired ? rounds : 1); round++) {
        if (paired) {
          const torch = await timeAnchor(id, batch);
          if (torch !== undefined) torchRuns.push(torch);
        }
        // The cpu backend is 20-40x slower: one step per repetition keeps the run short;
        // so is a software GPU adapter.
        ourRuns.push(
          backend === "cpu" || (onGpu && gpu?.software)
            ? await pgdSpeed(detector, batch, 1, Math.min(repetitions, onGpu ? 2 : 3), threads)
            : await pgdSpeed(detector, batch, steps, repetitions, threads),
        );
        if (anchorNote) break; // no anchor to pair with: one timing of ours is enough
      }
      if (paired) anchor.set(key, torchRuns.length ? median(torchRuns) : null);
      ourRuns.sort((a, b) => a.image_steps_per_s - b.image_steps_per_s);
      const speed = ourRuns[Math.floor(ourRuns.length / 2)];
      const torch = anchor.get(`${onGpu ? "cuda|" : ""}${id}|${batch}`) ?? null;
      const mflop = ANCHOR_MODEL[id] ? flops.get(ANCHOR_MODEL[id]!) : undefined;
      rows.push({
        model: id,
        batch,
        backend: info.name,
        ...(onGpu ? { adapter: info.adapter?.name } : {}),
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
  }

  await initBackend("wasm");
  await unloadDetectors();
  const front = await loadWhiteBoxDetector("blazeface-front");
  const [first, last] = quick ? [20, 100] : [20, 500];
  // Batch 2, so the gradient workers' path is measured too where there are threads.
  const memoryThreads = gradientThreads(threadsFlag);
  log(
    `memory: ${last} PGD steps at batch 2, ${Math.min(2, memoryThreads)} thread(s), ` +
      "after a warm-up",
  );
  const memory = await memoryGrowth(front, first, last, 2, memoryThreads, quick ? 10 : 200);

  let protectSeconds: number | null = null;
  if (!quick) {
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
    protectSeconds = Math.round((performance.now() - start) / 100) / 10;
    await Deno.remove(out);
  }
  const provenance = await collectProvenance(backends.join(","), gpu?.adapter);
  const report = {
    machine: { ...provenance.machine, torch_python: torchPython() },
    versions: provenance.versions,
    code_version: provenance.code_version,
    anchor: anchorNote ?? "ok",
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
    memory: {
      ...memory,
      tensors_equal: memory.tensors[0] === memory.tensors[1],
      tfjs_tensors_now: tf.memory().numTensors,
    },
  };
  if (values.json) console.log(JSON.stringify(report));
  else {
    console.log(
      `machine: ${report.machine.cpu}, ${report.machine.cores} cores; anchor: ${report.anchor}`,
    );
    for (const note of gpu?.notes ?? []) console.log(`gpu: ${note}`);
    console.log(
      "model            batch  backend  threads  ours/s   torch/s  ratio  GFLOP/s  ms/step  peak tensors  RSS MiB",
    );
    for (const r of rows) {
      console.log(
        `${r.model.padEnd(16)} ${String(r.batch).padStart(5)}  ${r.backend.padEnd(7)}${
          r.torch_device === "cuda" ? "*" : " "
        }${String(r.threads).padStart(7)}  ${String(r.image_steps_per_s).padStart(7)}  ${
          String(r.torch_image_steps_per_s ?? "-").padStart(7)
        }  ${String(r.ratio ?? "-").padStart(5)}  ${String(r.gflops ?? "-").padStart(7)}  ${
          String(r.ms_per_step).padStart(7)
        }  ${String(r.peak_tensors).padStart(12)}  ${String(r.rss_mib).padStart(7)}`,
      );
    }
    if (rows.some((r) => r.torch_device === "cuda")) {
      console.log(
        "* torch/s and ratio of webgpu rows: PyTorch on CUDA, not the 2-thread CPU anchor",
      );
    }
    console.log(
      `memory: tensors ${memory.tensors.join(" -> ")} after ${
        memory.steps.join(" / ")
      } steps, RSS ${memory.rss_mib.join(" -> ")} MiB (growth ${
        (memory.rss_growth * 100).toFixed(1)
      }%)`,
    );
    console.log(`protect with defaults on sample1.jpg: ${protectSeconds ?? "skipped (--quick)"} s`);
  }
  if (rows.length === 0) throw new UserError("no benchmark rows ran");
  return 0;
}

/** The middle value (the mean of the middle two for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Batches on a hardware GPU: the table. */
const GPU_BATCHES = [1, 8, 32, 128];

/** What the webgpu rows will measure: adapter, plan, CUDA anchor availability, notes. */
async function gpuPlan(quick: boolean): Promise<{
  adapter?: string;
  software: boolean;
  plan: [string, number][];
  cuda: true | string;
  notes: string[];
}> {
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
    ];
  }
  const cuda = await cudaAvailable();
  if (cuda !== true) notes.push(`no CUDA: ${cuda}; webgpu rows have no CUDA ratio`);
  return { adapter: adapter?.name, software, plan, cuda, notes };
}

if (import.meta.main) await runCli("bench", main);
