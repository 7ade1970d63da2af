/**
 * Our side of the speed comparison: PGD image-steps per second on one white-box
 * detector at its own input size, as the PyTorch anchor measures it (forward, input
 * gradient, signed step, clip), median over repetitions after a warm-up. The loss is
 * the attacks' own (the hinge on every anchor's face logit, through ParallelTerms, so a
 * batch is split over the threads as in an attack); the anchor sums sigmoid scores.
 * Both heads are a few elementwise ops on 896 anchors: the network is the cost.
 */
import * as tf from "@tensorflow/tfjs";
import type { WhiteBoxDetector } from "../detectors/types.ts";
import { ParallelTerms } from "../parallel/parallel_terms.ts";
import { offloadPlan, threadsUsed } from "../parallel/offload_plan.ts";

/** Seed of pgdSpeed's random inputs. */
export const SPEED_SEED = 1;
/** pgdSpeed's L-inf budget, grey levels. */
export const SPEED_EPS = 8;
/** pgdSpeed's step, grey levels. */
export const SPEED_STEP = 2;
/** What pgdSpeed differentiates, in words for the report. */
export const SPEED_LOSS = "the attacks' objective: hinge (margin 2) on every anchor's face logit";

/** One timing. */
export interface SpeedResult {
  /** Median milliseconds per PGD step (whole batch). */
  ms_per_step: number;
  /** Images x steps per second. */
  image_steps_per_s: number;
  /** Most tensors alive during the run. */
  peak_tensors: number;
  /** Resident memory after the run, MiB (workers' included: they share the process). */
  rss_mib: number;
  /** Threads that computed the gradient (main one included). */
  threads: number;
}

/**
 * Times `steps` PGD steps per repetition, `repetitions` times, and reports the median;
 * up to `threads` threads share each step's batch.
 */
export async function pgdSpeed(
  detector: WhiteBoxDetector,
  batch: number,
  steps: number,
  repetitions: number,
  threads = 1,
): Promise<SpeedResult> {
  const size = detector.inputSize;
  const clean = tf.randomUniform(
    [batch, size, size, 3],
    0,
    255,
    "float32",
    SPEED_SEED,
  ) as tf.Tensor4D;
  const eps = SPEED_EPS;
  const alpha = SPEED_STEP;
  const terms = new ParallelTerms([{ detector }], { margin: 2, threads, expectedBatch: batch });
  const gradient = tf.grad((x) => terms.sum([x as tf.Tensor4D]));
  let x = clean.clone();
  let peak = 0;
  const step = () => {
    const next = tf.tidy(() => {
      const g = gradient(x);
      const moved = x.sub(tf.sign(g).mul(alpha));
      return tf.minimum(tf.maximum(moved, clean.sub(eps)), clean.add(eps)).clipByValue(0, 255);
    });
    x.dispose();
    x = next as tf.Tensor4D;
    peak = Math.max(peak, tf.memory().numTensors);
  };
  step(); // warm-up: kernel set-up and first-call allocations are not timed
  await x.data();
  const times: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    const start = performance.now();
    for (let s = 0; s < steps; s++) step();
    await x.data(); // wait for the backend to finish
    times.push((performance.now() - start) / steps);
  }
  x.dispose();
  clean.dispose();
  terms.dispose();
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  return {
    ms_per_step: Math.round(ms * 100) / 100,
    // Three significant digits: the heavy models run under one image-step per second.
    image_steps_per_s: Number((batch * 1000 / ms).toPrecision(3)),
    peak_tensors: peak,
    rss_mib: Math.round(Deno.memoryUsage().rss / 2 ** 20),
    threads: threadsUsed(offloadPlan([{ imageCost: 1, batch }], threads)),
  };
}

/**
 * Tensor count and RSS after `first` and after `last` PGD steps of one long run on a
 * batch of `batch`, split over up to `threads` threads like pgdSpeed's, counted after
 * `warmup` uncounted steps: in a fresh process RSS grows by about 80% over the first
 * few hundred steps whatever the thread count (V8 and wasm heaps finding their size) and
 * then stays flat (under 1% from step 500 to 1500), which is not what a leak looks like.
 */
export async function memoryGrowth(
  detector: WhiteBoxDetector,
  first: number,
  last: number,
  batch = 1,
  threads = 1,
  warmup = 0,
): Promise<{ steps: number[]; tensors: number[]; rss_mib: number[]; rss_growth: number }> {
  const size = detector.inputSize;
  const clean = tf.randomUniform([batch, size, size, 3], 0, 255, "float32", 2) as tf.Tensor4D;
  const terms = new ParallelTerms([{ detector }], { margin: 2, threads, expectedBatch: batch });
  const gradient = tf.grad((x) => terms.sum([x as tf.Tensor4D]));
  let x = clean.clone();
  const tensors: number[] = [];
  const rss: number[] = [];
  for (let s = 1 - warmup; s <= last; s++) {
    const next = tf.tidy(() => x.sub(tf.sign(gradient(x)).mul(1)).clipByValue(0, 255));
    x.dispose();
    x = next as tf.Tensor4D;
    if (s === first || s === last) {
      await x.data();
      tensors.push(tf.memory().numTensors);
      rss.push(Deno.memoryUsage().rss / 2 ** 20);
    }
  }
  x.dispose();
  clean.dispose();
  terms.dispose();
  return {
    steps: [first, last],
    tensors,
    rss_mib: rss.map((v) => Math.round(v)),
    rss_growth: Math.round((rss[1] / rss[0] - 1) * 1e4) / 1e4,
  };
}
