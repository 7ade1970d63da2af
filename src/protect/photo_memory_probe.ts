/**
 * `deno run -A src/protect/photo_memory_probe.ts MEGAPIXELS [STEPS] [ladder]`
 *
 * Measures the memory one protection of a photo of the given size takes: the wasm heap's
 * size afterwards (a wasm heap never shrinks, so that is its peak) and the process's peak
 * resident memory. The photo is sample 1 stretched to the size (3:2); the standard preset
 * runs STEPS steps (default 2) with a check after each, through every budget of its
 * escalation with `ladder`. It backs MAX_PROTECT_PIXELS (photo_limits.ts): run one size
 * per process, since the peaks are per process.
 */
import * as tf from "@tensorflow/tfjs";
import sharp from "sharp";
import { initBackend } from "../backend.ts";
import { SAMPLE_PATHS } from "../testing/fixtures.ts";
import { protectPhotoBytes } from "./filter.ts";

if (import.meta.main) {
  const megapixels = Number(Deno.args[0]);
  const steps = Number(Deno.args[1] ?? 2);
  const width = Math.round(Math.sqrt(megapixels * 1e6 * 1.5));
  const height = Math.round(width / 1.5);
  const bytes = new Uint8Array(
    await sharp(SAMPLE_PATHS[0]).resize(width, height, { fit: "fill" }).jpeg({ quality: 90 })
      .toBuffer(),
  );
  await initBackend("wasm");
  const heapMB = () =>
    (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength /
    2 ** 20;
  const peakRssMB = () =>
    Number(Deno.readTextFileSync("/proc/self/status").match(/VmHWM:\s+(\d+)/)![1]) / 1024;
  const started = performance.now();
  let outcome = "ok";
  try {
    const { report } = await protectPhotoBytes(bytes, {
      preset: "standard",
      // No limit here: finding where the heap runs out is the point.
      decode: { maxPixels: Infinity },
      perturb: Deno.args[2] === "ladder"
        ? { steps, checkEvery: 1, escalation: { start: 4, ratio: 1.4, stepsPerRung: 2 } }
        : { steps, checkEvery: 1, escalation: false },
    });
    outcome = `ok: ${report.steps_run} steps over ${report.budget.tried.length} budgets`;
  } catch (error) {
    outcome = `failed: ${(error as Error).message}`;
  }
  console.log(JSON.stringify({
    megapixels: +(width * height / 1e6).toFixed(2),
    width,
    height,
    heapMB: heapMB(),
    peakRssMB: Math.round(peakRssMB()),
    seconds: +((performance.now() - started) / 1000).toFixed(1),
    outcome,
  }));
  Deno.exit(0);
}
