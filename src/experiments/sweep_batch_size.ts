/**
 * How many photos a sweep attacks in one batch: the `batch` option when it is a number;
 * with "auto", 1 on CPU backends and on webgpu as many as one photo's measured attack step
 * fits into the GPU's memory.
 */
import { UserError } from "../errors.ts";
import { imageToTensor, type RgbImage } from "../image/rgb_image.ts";
import { loadWhiteBoxDetector } from "../detectors/registry.ts";
import { detectionObjective } from "../attacks/objective.ts";
import { Perturbation } from "../attacks/perturbation.ts";
import { adversarialView, CleanResizes } from "../attacks/adversarial_view.ts";
import { PROTECT_DEFAULTS } from "../protect/defaults.ts";
import { activeBackend } from "../backend.ts";
import { batchForMemory, gpuMemoryBudget, measureStep } from "../gpu/batch_size.ts";
import { webgpuMaxBindingBytes } from "../gpu/webgpu_backend.ts";
import * as tf from "@tensorflow/tfjs";
import { loadScaled } from "./clean_judgement.ts";
import type { SweepConfig, WorkUnit } from "./sweep_config.ts";

/** What the batch size depends on, besides the units. */
export interface BatchRequest {
  /** Backend name. */
  backend: string;
  /** A number, or "auto" (default). */
  batch?: number | "auto";
  /** Where the chosen size and its reasons are said. */
  onProgress?: (message: string) => void;
}

/** The memory of one attack step of a unit's settings on one photo. */
async function measureUnitStep(unit: WorkUnit, image: RgbImage) {
  const detectors = [];
  for (const id of unit.source) detectors.push(await loadWhiteBoxDetector(id));
  const clean = imageToTensor(image);
  const perturbation = new Perturbation(clean.shape, {
    factor: Math.max(1, Math.max(image.width, image.height) / PROTECT_DEFAULTS.variableSide),
  });
  const objective = detectionObjective(detectors.map((detector) => ({ detector })), {
    eot: unit.robust ? PROTECT_DEFAULTS.eot : undefined,
    seed: unit.seed,
  });
  const resizes = new CleanResizes(clean);
  const variable = tf.zeros(perturbation.variableShape) as tf.Tensor4D;
  try {
    await objective.prepare?.(clean, 1);
    return await measureStep(() => {
      const { value, grad } = tf.valueAndGrad((v: tf.Tensor) =>
        objective.loss(adversarialView(resizes, perturbation, v as tf.Tensor4D), 1)
      )(variable);
      tf.dispose([value, grad]);
    });
  } finally {
    tf.dispose([clean, variable]);
    resizes.dispose();
    perturbation.dispose();
    objective.dispose?.();
  }
}

/** Images per batch for these units (see the file's comment). */
export async function resolveBatch(
  request: BatchRequest,
  config: SweepConfig,
  todo: WorkUnit[],
): Promise<number> {
  const requested = request.batch ?? "auto";
  if (requested !== "auto") {
    if (!(Number.isInteger(requested) && requested >= 1)) {
      throw new UserError(`batch must be a whole number >= 1 or "auto", got ${requested}`);
    }
    return requested;
  }
  if (request.backend !== "webgpu") return 1;
  // One photo's step for every distinct source set and robust mode: the dearest decides.
  const image = await loadScaled(todo[0].image, config.maxSide);
  const seen = new Set<string>();
  let footprint = { peakBytes: 0, largestTensorBytes: 0 };
  for (const unit of todo) {
    const key = JSON.stringify([unit.source, unit.robust]);
    if (seen.has(key)) continue;
    seen.add(key);
    const measured = await measureUnitStep(unit, image);
    footprint = {
      peakBytes: Math.max(footprint.peakBytes, measured.peakBytes),
      largestTensorBytes: Math.max(footprint.largestTensorBytes, measured.largestTensorBytes),
    };
  }
  const budget = await gpuMemoryBudget(activeBackend()?.adapter);
  const batch = batchForMemory(budget, footprint, webgpuMaxBindingBytes());
  request.onProgress?.(
    `batch: up to ${batch} photos of one size per forward/backward (one photo's step: ` +
      `${(footprint.peakBytes / 2 ** 20).toFixed(0)} MiB; budget ` +
      `${(budget.bytes / 2 ** 30).toFixed(1)} GiB from ${budget.source})`,
  );
  return batch;
}
