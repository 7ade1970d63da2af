/**
 * Face counts of several detectors on a few images, spread over the main thread and the
 * gradient workers: after an attack the workers are idle, and judging a protected photo
 * with face-api's SSD alone takes as long as every other judge together. Each thread takes
 * the next detector from one queue as soon as it is free, so no cost model is needed; a
 * detector whose worker fails is counted on the main thread instead. Counts are the same
 * wherever they run: every thread has the same backend and the same weights.
 */
import * as tf from "@tensorflow/tfjs";
import { loadDetector } from "../detectors/registry.ts";
import { type Detector, isWhiteBox } from "../detectors/types.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { GradientChannel } from "./gradient_channel.ts";
import { type GradientWorker, gradientWorkers } from "./gradient_workers.ts";
import { gradientThreads } from "./threads.ts";

/** How often a waiting count looks at its worker's answer. */
const POLL_MS = 2;

/** One detector and the images it counts faces on. */
export interface CountJob {
  /** Registry detector id. */
  id: string;
  /** Images to count faces on. */
  images: readonly RgbImage[];
}

/**
 * Detectors ordered for countFacesInParallel, slowest first on a photo of this size (a
 * gradient step's measured cost stands in for a detection's; detectors without one last).
 */
export function slowestFirst<T extends Detector>(
  detectors: readonly T[],
  height: number,
  width: number,
): T[] {
  const cost = (d: Detector) => isWhiteBox(d) ? d.stepMs?.(height, width) ?? 0 : 0;
  return [...detectors].sort((a, b) => cost(b) - cost(a));
}

/** Options of countFacesInParallel. */
export interface ParallelCountOptions {
  /** Threads, main one included (default: gradientThreads(), 1 off wasm and cpu). */
  threads?: number;
  /** Called when a detector's counts are all in (in completion order). */
  onDone?: (id: string) => void;
  /** Called before each detector starts; throws to stop (a cancelled protection). */
  checkAbort?: () => void;
}

/**
 * Faces each job's detector finds on each of its images: result[i][j] is job i on its
 * image j. Jobs given first start first: put the slowest first.
 */
export async function countFacesInParallel(
  jobs: readonly CountJob[],
  options: ParallelCountOptions = {},
): Promise<number[][]> {
  const threads = options.threads ?? gradientThreads();
  const counts: number[][] = jobs.map(() => []);
  let next = 0;
  const take = (): number | undefined => {
    if (next >= jobs.length) return undefined;
    options.checkAbort?.();
    return next++;
  };
  const onMain = async (i: number): Promise<void> => {
    const detector = await loadDetector(jobs[i].id);
    counts[i] = [];
    for (const image of jobs[i].images) {
      counts[i].push((await detector.detect(image)).length);
      // A macrotask turn: the worker lanes' polls run between detections.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    options.onDone?.(jobs[i].id);
  };
  const mainLane = async (): Promise<void> => {
    for (let i = take(); i !== undefined; i = take()) await onMain(i);
  };
  const workerLane = async (worker: GradientWorker): Promise<void> => {
    for (let i = take(); i !== undefined; i = take()) {
      let found: number[];
      try {
        found = await countOnWorker(worker, jobs[i].id, jobs[i].images);
      } catch {
        // A dead or failing worker: the main thread counts (and reports any real error).
        await onMain(i);
        continue;
      }
      counts[i] = found;
      options.onDone?.(jobs[i].id);
    }
  };
  const workers = threads > 1 ? gradientWorkers(threads - 1, tf.getBackend()) : [];
  // Worker lanes first: they only post, so the main lane's first detector starts at once.
  const lanes = await Promise.allSettled([...workers.map(workerLane), mainLane()]);
  // Every lane has stopped (none is left polling) before an error is passed on.
  const failed = lanes.find((lane) => lane.status === "rejected");
  if (failed) throw failed.reason;
  return counts;
}

/** Counts on one worker: every image posted at once, the answers awaited in turn. */
async function countOnWorker(
  worker: GradientWorker,
  id: string,
  images: readonly RgbImage[],
): Promise<number[]> {
  const channels = images.map((image) => {
    const channel = GradientChannel.withCapacity(Math.ceil(image.data.length / 4));
    channel.bytes(image.data.length).set(image.data);
    channel.open();
    worker.post({
      kind: "count-faces",
      buffer: channel.buffer,
      detector: id,
      width: image.width,
      height: image.height,
    });
    return channel;
  });
  const found: number[] = [];
  for (const channel of channels) {
    while (channel.pending) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    found.push(channel.await(0));
  }
  return found;
}
