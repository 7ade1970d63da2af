/**
 * A gradient worker thread: its own tfjs on the main thread's backend, its own copies of
 * the detectors, and two jobs: the hinge loss of a detector on a batch and its input
 * gradient, and (between attacks) the faces a detector finds on an image, each answered
 * through shared memory. Requests run in the order they arrive.
 */
import { parentPort } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import { releasedValueAndGrad } from "../attacks/released_value_and_grad.ts";
import { initBackend } from "../backend.ts";
import { loadDetector, loadWhiteBoxDetector } from "../detectors/registry.ts";
import type { WhiteBoxDetector } from "../detectors/types.ts";
import { chunkedHingeLoss, memberLoss } from "../detectors/hinge_loss.ts";
import { isGhostable } from "../models/ghost_erosion.ts";
import { GradientChannel } from "./gradient_channel.ts";
import { RetryingCache } from "./retry_cache.ts";
import { copyToShared, tensorFromShared } from "./shared_tensor.ts";
import type {
  CountFacesMessage,
  GradientMessage,
  RequestMessage,
  WorkerMessage,
} from "./gradient_protocol.ts";

// Failed loads are forgotten: the next request tries again (see retry_cache.ts).
const backends = new RetryingCache<unknown>();
const detectors = new RetryingCache<WhiteBoxDetector>();
let backend: string | undefined;

/**
 * One gradient at the detector's input size, so the first real request does not pay for
 * kernel set-up and compilation (about a second); it runs while the main thread sets up.
 */
function warmUp(model: WhiteBoxDetector): WhiteBoxDetector {
  const size = model.inputSize;
  try {
    tf.tidy(() => {
      tf.grad((x: tf.Tensor) => chunkedHingeLoss(model, x as tf.Tensor4D, 0))(
        tf.zeros([1, size, size, 3]),
      ).dataSync();
    });
  } catch {
    // Only a head start: a real request reports whatever went wrong here.
  }
  return model;
}

function ready(): Promise<unknown> {
  return backend === undefined
    ? Promise.resolve()
    : backends.get(backend, () => initBackend(backend));
}

function detector(id: string): Promise<WhiteBoxDetector> {
  return detectors.get(id, () => ready().then(() => loadWhiteBoxDetector(id)).then(warmUp));
}

async function answer(request: GradientMessage): Promise<void> {
  const channel = new GradientChannel(request.buffer);
  try {
    const model = await detector(request.detector);
    // Every request says which network to differentiate: a ghost, or (none) the detector.
    if (isGhostable(model)) model.setGhost(request.ghost);
    else if (request.ghost) throw new Error(`${model.id} has no ghost hook`);
    const count = request.shape.reduce((a, b) => a * b, 1);
    const data = channel.data(count);
    const value = tf.tidy(() => {
      const input = tensorFromShared(data, request.shape);
      // Frees the gradient tape when the loss throws: this worker lives as long as the server.
      const { value, grad } = releasedValueAndGrad(
        (x: tf.Tensor) =>
          memberLoss(model, x as tf.Tensor4D, request).mul(request.scale) as tf.Scalar,
        input,
      );
      copyToShared(grad, data);
      return value.dataSync()[0];
    });
    channel.finish(value);
  } catch (error) {
    channel.fail(error instanceof Error ? error.message : String(error));
  }
}

async function count(request: CountFacesMessage): Promise<void> {
  const channel = new GradientChannel(request.buffer);
  try {
    await ready();
    const model = await loadDetector(request.detector);
    const { width, height } = request;
    // A copy: the buffer is the main thread's until the answer is in.
    const data = channel.bytes(width * height * 3).slice();
    channel.finish((await model.detect({ width, height, data })).length);
  } catch (error) {
    channel.fail(error instanceof Error ? error.message : String(error));
  }
}

function handle(request: RequestMessage): Promise<void> {
  return request.kind === "gradient" ? answer(request) : count(request);
}

let queue: Promise<void> = Promise.resolve();
let crash: "throw" | "exit" | undefined;
parentPort!.on("message", (message: WorkerMessage) => {
  if (message.kind === "crash") {
    crash = message.how;
  } else if (crash && (message.kind === "gradient" || message.kind === "count-faces")) {
    if (crash === "exit") process.exit(70);
    throw new Error("crash requested by a test");
  } else if (message.kind === "init") {
    backend = message.backend;
    ready().catch(() => {}); // reported by the requests, which wait on it
  } else if (message.kind === "load") {
    for (const id of message.ids) detector(id).catch(() => {}); // reported by the requests
  } else {
    queue = queue.then(() => handle(message));
  }
});
