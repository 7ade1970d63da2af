/**
 * EqualAIs public API: what notebooks, the CLI and the web page import.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_SOURCE_IDS, initBackend, perturbPhoto, PROTECT_DEFAULTS, readImage } from "./mod.ts";
 * await initBackend();
 * const photo = await readImage("data/samples/sample1.jpg");
 * const result = await perturbPhoto(photo, { ...PROTECT_DEFAULTS, detectors: [...DEFAULT_SOURCE_IDS] });
 * assert.equal(result.facesLeft, 0); // every face hidden from the three attacked detectors
 * ```
 */
export {
  activeBackend,
  type BackendInfo,
  backendLabel,
  type BackendName,
  type BackendRequest,
  initBackend,
} from "./backend.ts";
export { describeError, SetupError, UserError } from "./errors.ts";
export { decodeImage, MAX_PIXELS, readImage } from "./image/decode.ts";
export {
  asWritten,
  encodeAsWritten,
  encodeImage,
  formatFromPath,
  jpegRoundTrip,
  writeFileAtomic,
} from "./image/encode.ts";
export { imageToTensor, type RgbImage, tensorToImage } from "./image/rgb_image.ts";
export { jpegApprox } from "./image/jpeg_approx.ts";
export {
  ATTACKABLE_IDS,
  DEFAULT_SOURCE_IDS,
  DETECTOR_IDS,
  DETECTORS,
  loadDetector,
  loadWhiteBoxDetector,
  parseDetectorList,
  SURROGATE_IDS,
  SURROGATES,
  WHITEBOX_IDS,
} from "./detectors/registry.ts";
export type { Detector, Face, WhiteBoxDetector } from "./detectors/types.ts";
export { iou, nonMaxSuppression } from "./detectors/nms.ts";
export { ATTACK_NAMES, ATTACKS, getAttack } from "./attacks/registry.ts";
export type {
  Attack,
  AttackOptions,
  AttackProblem,
  AttackResult,
  Checkpoint,
  Norm,
  Objective,
} from "./attacks/types.ts";
export { detectionObjective } from "./attacks/objective.ts";
export { hingeLoss } from "./detectors/hinge_loss.ts";
export { DEFAULT_EOT, type EotOptions } from "./attacks/eot.ts";
export { Perturbation } from "./attacks/perturbation.ts";
export { faceRegionMask } from "./attacks/face_mask.ts";
export { iterativeAttack, type StepRule } from "./attacks/iterative.ts";
export { apgd, autoPgdCheckpoints, autoPgdRule } from "./attacks/apgd.ts";
export { quantize } from "./attacks/quantized_candidate.ts";
export { psnr } from "./metrics/psnr.ts";
export { ssim } from "./metrics/ssim.ts";
export { ciede2000, type ColorDifference, colorDifference } from "./metrics/ciede2000.ts";
export { l2, linf } from "./metrics/perturbation_norms.ts";
export { PROTECT_DEFAULTS } from "./protect/defaults.ts";
export { budgetLadder, type BudgetRung, type LadderOptions } from "./protect/budget_ladder.ts";
export { fullyProtected, protectedShare } from "./evaluation/photo_protected.ts";
export {
  protectAndJudge,
  type ProtectedPhotoRow,
  type ProtectionSummary,
  summarizeProtection,
} from "./evaluation/protect_set.ts";
export { type PerturbOptions, perturbPhoto, type PerturbResult } from "./protect/perturb_photo.ts";
export {
  perturbWithRetry,
  type RetriedResult,
  type RetryOutcome,
  type VisibleRetry,
} from "./protect/visible_retry.ts";
export { protectFile, type ProtectReport } from "./protect/protect_file.ts";
export {
  DEFAULT_STATEMENT,
  DEFAULT_STEGO_MESSAGE,
  DO_NOT_PROCESS_VERSION,
  doNotProcessMeaning,
  doNotProcessText,
  parseDoNotProcess,
} from "./stego/message.ts";
export { DEFAULT_REPETITIONS, embedMessage, type StegoOptions } from "./stego/embed.ts";
export { extractMessage, type ExtractOptions, type StegoReading } from "./stego/extract.ts";
export { codeFits, DEFAULT_STEGO_KEY, messageCapacity } from "./stego/layout.ts";
export { MAX_MESSAGE_BYTES } from "./stego/frame.ts";
export {
  DEFAULT_LAYERS,
  type FilterOptions,
  type FilterProgress,
  type FilterReport,
  type FilterResult,
  type LayerSwitches,
  MIN_PHOTO_SIDE,
  protectPhotoBytes,
} from "./protect/filter.ts";
export { DEFAULT_PRESET_ID, getPreset, type Preset, PRESETS } from "./protect/presets.ts";
export { BADGE_DEFAULTS, type BadgeOptions, drawBadge } from "./marks/badge.ts";
export { marksExif, type MarksFound, marksXmp, readMarks } from "./marks/metadata.ts";
export {
  type DoNotProcessCode,
  inspectPhoto,
  type InspectReport,
} from "./inspect/inspect_photo.ts";
