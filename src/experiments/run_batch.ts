/**
 * One attack run of a sweep: the units' photos (same settings, same size) attacked
 * together as one batch, each judged at every checkpoint by every judge after every
 * channel, until its own sources find no face (early stop); the batch runs on while any
 * photo is left.
 */
import { applyChannel } from "../image/channels.ts";
import { imageToTensor, type RgbImage, tensorToImage } from "../image/rgb_image.ts";
import { loadDetector, loadWhiteBoxDetector } from "../detectors/registry.ts";
import { detectionRate, matchFaces } from "../metrics/detection.ts";
import { imageQuality } from "../metrics/image_quality.ts";
import { getAttack } from "../attacks/registry.ts";
import { detectionObjective } from "../attacks/objective.ts";
import type { BalanceMode } from "../attacks/ensemble_weights.ts";
import { Perturbation } from "../attacks/perturbation.ts";
import type { AttackOptions } from "../attacks/types.ts";
import { PROTECT_DEFAULTS } from "../protect/defaults.ts";
import * as tf from "@tensorflow/tfjs";
import type { CleanJudgement } from "./clean_judgement.ts";
import type { Provenance } from "./provenance.ts";
import { provenanceFields, unitRows } from "./result_row.ts";
import type { StoredRow } from "./row_store.ts";
import type { SweepConfig, WorkUnit } from "./sweep_config.ts";

/** What every checkpoint of one batch is judged with. */
interface BatchContext {
  config: SweepConfig;
  provenance: Provenance;
  units: WorkUnit[];
  cleans: CleanJudgement[];
  /** When the batch started (performance.now()), for each row's seconds. */
  start: number;
}

/**
 * Judges photo `i`'s candidate at `step`: its rows, and whether no source detector found
 * a face on any channel (its run may stop there).
 */
async function judgeCheckpoint(
  context: BatchContext,
  i: number,
  candidate: RgbImage,
  step: number,
): Promise<{ rows: StoredRow[]; hidden: boolean }> {
  const { config, provenance, units } = context;
  const unit = units[0]; // the settings all units share
  const { attack: name, robust: _robust, ...attackOptions } = unit.attack;
  const { image, perChannel } = context.cleans[i];
  const rows: StoredRow[] = [];
  let sourceFaces = 0;
  const quality = imageQuality(image, candidate);
  for (const channel of config.channels) {
    const seen = await applyChannel(candidate, channel);
    const { reference, cleanMatched } = perChannel.get(channel)!;
    for (const id of new Set([...config.judges, ...unit.source])) {
      const found = await (await loadDetector(id)).detect(seen);
      if (unit.source.includes(id)) sourceFaces += found.length;
      if (!config.judges.includes(id)) continue;
      const matched = matchFaces(reference, found).size;
      const onClean = cleanMatched.get(id)!;
      rows.push({
        unit: units[i].key,
        unit_rows: 0,
        unit_index: units[i].index,
        image: units[i].image,
        width: image.width,
        height: image.height,
        attack: name,
        attack_options: attackOptions,
        eps: unit.eps,
        steps: step,
        source: unit.source,
        robust: unit.robust,
        seed: unit.seed,
        target: id,
        channel,
        clean_faces: onClean,
        protected_faces: found.length,
        matched,
        detection_rate: detectionRate(onClean, matched) ?? null,
        ...quality,
        seconds: Math.round((performance.now() - context.start) / 100) / 10,
        batch_images: units.length,
        ...provenanceFields(provenance),
      });
    }
  }
  return { rows, hidden: sourceFaces === 0 };
}

/**
 * Attacks the units' images together (same settings, same size) and returns each unit's
 * rows, in the order given.
 */
export async function runBatch(
  units: WorkUnit[],
  cleans: CleanJudgement[],
  config: SweepConfig,
  provenance: Provenance,
): Promise<StoredRow[][]> {
  const context: BatchContext = { config, provenance, units, cleans, start: performance.now() };
  const unit = units[0]; // the settings all units share
  const checkpoints = [...new Set(config.steps)].sort((a, b) => a - b);
  const maxSteps = checkpoints.at(-1)!;
  const detectors = [];
  for (const id of unit.source) detectors.push(await loadWhiteBoxDetector(id));
  // The source set's weighing goes to the objective; the rows record it among the options.
  const { attack: name, robust: _robust, balance, ...attackOptions } = unit.attack;
  const { width, height } = cleans[0].image;
  const cleanTensor = tf.tidy(() => tf.concat(cleans.map((c) => imageToTensor(c.image))));
  const perturbation = new Perturbation(cleanTensor.shape, {
    factor: Math.max(1, Math.max(width, height) / PROTECT_DEFAULTS.variableSide),
  });
  const objective = detectionObjective(detectors.map((detector) => ({ detector })), {
    eot: unit.robust ? PROTECT_DEFAULTS.eot : undefined,
    seed: unit.seed,
    balance: balance as BalanceMode | undefined,
  });
  const measured = units.map(() => new Map<number, StoredRow[]>());
  const stoppedAt: (number | undefined)[] = units.map(() => undefined);
  try {
    const result = await getAttack(name).run({
      clean: cleanTensor,
      objective,
      perturbation,
      checkpoint: {
        every: 1,
        at: checkpoints,
        check: async (candidates, step) => {
          for (let i = 0; i < units.length; i++) {
            if (stoppedAt[i] !== undefined) continue;
            const one = tf.tidy(() => candidates.slice([i, 0, 0, 0], [1, -1, -1, -1]));
            const candidate = await tensorToImage(one);
            one.dispose();
            const { rows, hidden } = await judgeCheckpoint(context, i, candidate, step);
            measured[i].set(step, rows);
            if ((config.earlyStop ?? true) && hidden) stoppedAt[i] = step;
          }
          return stoppedAt.every((s) => s !== undefined);
        },
      },
    }, { ...attackOptions, eps: unit.eps, steps: maxSteps, seed: unit.seed } as AttackOptions);
    result.adversarial.dispose();
  } finally {
    cleanTensor.dispose();
    perturbation.dispose();
    objective.dispose?.();
  }
  return units.map((_, i) => unitRows(measured[i], checkpoints, stoppedAt[i]));
}
