/**
 * `deno task bench [--json] [--quick] [--backend LIST]`
 *
 * PGD image-steps per second on BlazeFace front/back (batch 1 and 8) and MediaPipe
 * full-range (batch 1) on our backends, beside the PyTorch anchor on the same weights in
 * the same run; achieved GFLOP/s; memory over a long run; and protect's end-to-end
 * seconds on sample1. Ratios from one run are what count: these machines are noisy.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { loadWhiteBoxDetector, unloadDetectors } from "../detectors/registry.ts";
import { DEFAULT_SOURCE_IDS, DETECTOR_IDS } from "../detectors/registry.ts";
import { memoryGrowth, pgdSpeed } from "../bench/pgd_speed.ts";
import { anchorForwardMflop, anchorSpeed, torchPython } from "../bench/torch_anchor.ts";
import { PROTECT_DEFAULTS } from "../protect/defaults.ts";
import { protectFile } from "../protect/protect_file.ts";
import { SAMPLES_DIR } from "../paths.ts";
import { collectProvenance } from "../experiments/provenance.ts";
import { UserError } from "../errors.ts";
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
  image_steps_per_s: number;
  torch_image_steps_per_s: number | null;
  ratio: number | null;
  gflops: number | null;
  ms_per_step: number;
  peak_tensors: number;
  rss_mib: number;
}

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, {
    json: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    backend: { type: "string", default: "wasm,cpu" },
  });
  const quick = values.quick as boolean;
  const backends = (values.backend as string).split(",").map((b) => b.trim());
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

  // The anchor first, so both sides run on the same machine state in this run.
  const anchor = new Map<string, number | null>();
  const flops = new Map<string, number | undefined>();
  let anchorNote: string | undefined;
  for (const [id, batch] of plan) {
    const model = ANCHOR_MODEL[id];
    if (!model || (quick && batch > 1)) continue;
    if (!flops.has(model)) flops.set(model, await anchorForwardMflop(model));
    const result = await anchorSpeed(model, batch, quick ? 5 : 20);
    if ("unavailable" in result) {
      anchorNote =
        `PyTorch anchor unavailable (${result.unavailable}); install Debian's python3-torch ` +
        `(deno task setup --bench does it as root) or set EQUALAIS_TORCH_PYTHON`;
      break;
    }
    anchor.set(`${id}|${batch}`, result.image_steps_per_s);
    log(`anchor ${id} batch ${batch}: ${result.image_steps_per_s} image-steps/s`);
  }
  if (anchorNote) log(anchorNote);

  const rows: BenchRow[] = [];
  for (const backend of backends) {
    const info = await initBackend(backend);
    if (info.fallbackReason) log(info.fallbackReason);
    await unloadDetectors(); // weights live on the backend that loaded them
    for (const [id, batch] of plan) {
      if (quick && backend !== "wasm" && !(id === "blazeface-front" && batch === 1)) continue;
      if (quick && batch > 1 && id === "blazeface-back") continue;
      const detector = await loadWhiteBoxDetector(id);
      // The cpu backend is 20-40x slower: one step per repetition keeps the run short.
      const speed = backend === "cpu"
        ? await pgdSpeed(detector, batch, 1, Math.min(repetitions, 3))
        : await pgdSpeed(detector, batch, steps, repetitions);
      const torch = anchor.get(`${id}|${batch}`) ?? null;
      const mflop = ANCHOR_MODEL[id] ? flops.get(ANCHOR_MODEL[id]!) : undefined;
      rows.push({
        model: id,
        batch,
        backend: info.name,
        image_steps_per_s: speed.image_steps_per_s,
        torch_image_steps_per_s: torch,
        ratio: torch ? Math.round((speed.image_steps_per_s / torch) * 100) / 100 : null,
        gflops: mflop ? Math.round(speed.image_steps_per_s * mflop * 2 / 1e3 * 100) / 100 : null,
        ms_per_step: speed.ms_per_step,
        peak_tensors: speed.peak_tensors,
        rss_mib: speed.rss_mib,
      });
      log(`${info.name} ${id} batch ${batch}: ${speed.image_steps_per_s} image-steps/s`);
    }
  }

  await initBackend("wasm");
  await unloadDetectors();
  const front = await loadWhiteBoxDetector("blazeface-front");
  const [first, last] = quick ? [20, 100] : [20, 500];
  log(`memory: ${last} PGD steps`);
  const memory = await memoryGrowth(front, first, last);

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
  const provenance = await collectProvenance(backends.join(","));
  const report = {
    machine: { ...provenance.machine, torch_python: torchPython() },
    versions: provenance.versions,
    code_version: provenance.code_version,
    anchor: anchorNote ?? "ok",
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
    console.log(
      "model            batch  backend  ours/s   torch/s  ratio  GFLOP/s  ms/step  peak tensors  RSS MiB",
    );
    for (const r of rows) {
      console.log(
        `${r.model.padEnd(16)} ${String(r.batch).padStart(5)}  ${r.backend.padEnd(7)} ${
          String(r.image_steps_per_s).padStart(7)
        }  ${String(r.torch_image_steps_per_s ?? "-").padStart(7)}  ${
          String(r.ratio ?? "-").padStart(5)
        }  ${String(r.gflops ?? "-").padStart(7)}  ${String(r.ms_per_step).padStart(7)}  ${
          String(r.peak_tensors).padStart(12)
        }  ${String(r.rss_mib).padStart(7)}`,
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

if (import.meta.main) await runCli("bench", main);
