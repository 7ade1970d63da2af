/**
 * The host backend: where code runs that reads tensors synchronously.
 *
 * tfjs's webgpu backend reads GPU data synchronously only through a 2-D canvas, which
 * Deno lacks, so `dataSync()` on a webgpu tensor fails. Detectors whose detection does
 * that (FaceBoxes' graph, face-api's locateFaces) run their detection on wasm, with
 * weights loaded there, while gradients stay on the GPU.
 */
import * as tf from "@tensorflow/tfjs";

/** The backend synchronous readers run on. */
export const HOST_BACKEND = "wasm";

/** Whether the active backend cannot read tensors synchronously. */
export function needsHostBackend(): boolean {
  return tf.getBackend() === "webgpu";
}

/**
 * Runs `body` with the host backend active and switches back afterwards. Tensors the body
 * creates live on the host; it must not touch tensors of the GPU backend. Other async work
 * that runs while `body` awaits would also land on the host backend, so callers do this
 * only around self-contained work such as one detection.
 */
export async function onHostBackend<T>(body: () => Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  if (previous === HOST_BACKEND || !needsHostBackend()) return await body();
  if (!(await tf.setBackend(HOST_BACKEND))) throw new Error(`backend ${HOST_BACKEND} failed`);
  try {
    return await body();
  } finally {
    await tf.setBackend(previous);
  }
}
