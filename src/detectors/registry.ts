/**
 * Every detector EqualAIs knows, by id, and how to load them. Adding a detector means
 * one adapter file and one entry here.
 */
import { UserError } from "../errors.ts";
import { BlazeFamilyDetector } from "./blazeface_family.ts";
import { BLAZEFACE_BACK } from "./blazeface_back.ts";
import { BLAZEFACE_FRONT } from "./blazeface_front.ts";
import { MEDIAPIPE_FULL } from "./mediapipe_full.ts";
import { FaceBoxesDetector } from "./faceboxes.ts";
import { HumanPipelineDetector } from "./human_pipeline.ts";
import { FaceApiSsdDetector } from "./faceapi_ssd.ts";
import { FaceApiTinyDetector } from "./faceapi_tiny.ts";
import { HaarCascadeDetector } from "./haar_cascade.ts";
import { HaarSmoothDetector } from "./haar_smooth.ts";
import { type Detector, type DetectorKind, isWhiteBox, type WhiteBoxDetector } from "./types.ts";
import * as tf from "@tensorflow/tfjs";
import { needsHostBackend, onHostBackend } from "../backend_host.ts";

/** How to load one detector, and whether it is white-box. */
export interface DetectorEntry {
  /** Detector id. */
  id: string;
  /** White-box (differentiable) or black-box judge. */
  kind: DetectorKind;
  /** Loads the detector's models. */
  load: () => Promise<Detector>;
  /** Detection reads tensors synchronously: on webgpu it runs on the host backend (wasm). */
  hostDetect?: boolean;
}

/** The registry, in the order detectors are listed and run. */
export const DETECTORS: readonly DetectorEntry[] = [
  { id: "blazeface-back", kind: "whitebox", load: () => BlazeFamilyDetector.load(BLAZEFACE_BACK) },
  {
    id: "blazeface-front",
    kind: "whitebox",
    load: () => BlazeFamilyDetector.load(BLAZEFACE_FRONT),
  },
  { id: "mediapipe-full", kind: "whitebox", load: () => BlazeFamilyDetector.load(MEDIAPIPE_FULL) },
  { id: "faceapi-ssd", kind: "whitebox", load: () => FaceApiSsdDetector.load(), hostDetect: true },
  { id: "human", kind: "blackbox", load: () => HumanPipelineDetector.load() },
  { id: "faceboxes", kind: "whitebox", load: () => FaceBoxesDetector.load(), hostDetect: true },
  { id: "faceapi-tiny", kind: "whitebox", load: () => FaceApiTinyDetector.load() },
  { id: "haar", kind: "blackbox", load: () => HaarCascadeDetector.load() },
];

/**
 * Attack-only stand-ins: a differentiable surrogate of a black-box detector whose detection
 * is that detector's own, so it is named only where an attack is, never as a judge (the
 * real one judges). Not in DETECTOR_IDS, WHITEBOX_IDS or the aliases.
 */
export const SURROGATES: readonly DetectorEntry[] = [
  { id: "haar-smooth", kind: "whitebox", load: () => HaarSmoothDetector.load() },
];

/** Ids of the attack-only surrogates ("haar-smooth"). */
export const SURROGATE_IDS: readonly string[] = SURROGATES.map((d) => d.id);

/** Ids of every registered detector. */
export const DETECTOR_IDS: readonly string[] = DETECTORS.map((d) => d.id);

/** Ids of the white-box detectors. */
export const WHITEBOX_IDS: readonly string[] = DETECTORS.filter((d) => d.kind === "whitebox")
  .map((d) => d.id);

/** Ids an attack can differentiate: the white-box detectors and the surrogates. */
export const ATTACKABLE_IDS: readonly string[] = [...WHITEBOX_IDS, ...SURROGATE_IDS];

/**
 * The white-box detectors a protection attacks by default: Human's BlazeFace family.
 * face-api's SSD is white-box too, but a step through it costs about ten times as much
 * on wasm; add it with `--attacked all-whitebox` for a two-family ensemble.
 */
export const DEFAULT_SOURCE_IDS: readonly string[] = [
  "blazeface-back",
  "blazeface-front",
  "mediapipe-full",
];

/**
 * The six neural detectors of the four neural families (BlazeFace back, front and MediaPipe;
 * face-api's SSD; face-api's Tiny YOLO; FaceBoxes): what `--attacked all-families` and the
 * `all-families` preset attack. Human's pipeline is left out (BlazeFace again, black-box),
 * and Haar is not neural. A test checks that all six are white-box.
 */
export const ALL_FAMILIES_IDS: readonly string[] = [
  "blazeface-back",
  "blazeface-front",
  "mediapipe-full",
  "faceapi-ssd",
  "faceapi-tiny",
  "faceboxes",
];

/** Names that stand for several detectors in a detector list. */
export const DETECTOR_LIST_ALIASES: readonly string[] = [
  "all",
  "all-whitebox",
  "all-blackbox",
  "all-families",
];

/**
 * Parses a detector list: "all", "all-whitebox", "all-blackbox", "all-families", or
 * comma-separated ids. Throws a UserError naming the unknown id and the valid ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDetectorList } from "./registry.ts";
 * assert.deepEqual(parseDetectorList("blazeface-front, haar"), ["blazeface-front", "haar"]);
 * assert.equal(parseDetectorList("all-families").length, 6);
 * assert.throws(() => parseDetectorList("yolo"), /unknown detector "yolo"/);
 * ```
 */
export function parseDetectorList(spec: string): string[] {
  const ids: string[] = [];
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (part === "all") ids.push(...DETECTOR_IDS);
    else if (part === "all-whitebox") ids.push(...WHITEBOX_IDS);
    else if (part === "all-blackbox") {
      ids.push(...DETECTOR_IDS.filter((id) => !WHITEBOX_IDS.includes(id)));
    } else if (part === "all-families") ids.push(...ALL_FAMILIES_IDS);
    else if (DETECTOR_IDS.includes(part) || SURROGATE_IDS.includes(part)) ids.push(part);
    else {
      throw new UserError(
        `unknown detector "${part}"; choose from ${
          [...DETECTOR_IDS, ...SURROGATE_IDS, ...DETECTOR_LIST_ALIASES].join(", ")
        }`,
      );
    }
  }
  if (ids.length === 0) throw new UserError("no detectors given");
  return [...new Set(ids)];
}

// Keyed by backend and id: weights live on the backend that loaded them.
const loaded = new Map<string, Promise<Detector>>();
// Every instance this registry made: a gradient worker can load the same one by its id.
const made = new WeakSet<Detector>();

/**
 * Whether the registry made this detector, so that loading its id anywhere (a gradient
 * worker's own tfjs, say) gives the same model. Detectors built by hand are not.
 */
export function isRegistryDetector(detector: Detector): boolean {
  return made.has(detector);
}

/**
 * Loads a detector once per process and backend, and returns the shared instance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { readImage } from "../image/decode.ts";
 * import { loadDetector } from "./registry.ts";
 * await initBackend("wasm");
 * const detector = await loadDetector("blazeface-front");
 * const faces = await detector.detect(await readImage("data/dev/tom-cruise-2014-w128.jpg"));
 * assert.ok(faces.length >= 1 && faces[0].score >= detector.threshold);
 * assert.equal(await loadDetector("blazeface-front"), detector); // the shared instance
 * ```
 */
export function loadDetector(id: string): Promise<Detector> {
  const entry = [...DETECTORS, ...SURROGATES].find((d) => d.id === id);
  if (!entry) parseDetectorList(id);
  const key = `${tf.getBackend()}|${id}`;
  let promise = loaded.get(key);
  if (!promise) {
    promise = (entry!.hostDetect && needsHostBackend() ? loadWithHostDetect(entry!) : entry!.load())
      .then((detector) => {
        made.add(detector);
        return detector;
      });
    loaded.set(key, promise);
    promise.catch(() => loaded.delete(key));
  }
  return promise;
}

/**
 * The detector with its gradients on the active (GPU) backend and its detection on the
 * host backend, from a second copy of its weights loaded there (see backend_host.ts).
 */
async function loadWithHostDetect(entry: DetectorEntry): Promise<Detector> {
  const gpu = await entry.load();
  const host = await onHostBackend(() => entry.load());
  const detector: Detector = {
    id: gpu.id,
    family: gpu.family,
    kind: gpu.kind,
    threshold: gpu.threshold,
    description: gpu.description,
    detect: (image) => onHostBackend(() => host.detect(image)),
    dispose: () => {
      gpu.dispose();
      host.dispose();
    },
  };
  if (!isWhiteBox(gpu)) return detector;
  return {
    ...detector,
    kind: "whitebox",
    inputSize: gpu.inputSize,
    inputShape: gpu.inputShape?.bind(gpu),
    logitThreshold: gpu.logitThreshold,
    faceLogits: (images) => gpu.faceLogits(images),
  } as WhiteBoxDetector;
}

/**
 * Loads a white-box detector; throws a UserError if the id names a black-box one.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { readImage } from "../image/decode.ts";
 * import { imageToTensor } from "../image/rgb_image.ts";
 * import { loadWhiteBoxDetector } from "./registry.ts";
 * await initBackend("wasm");
 * const detector = await loadWhiteBoxDetector("blazeface-front");
 * const photo = imageToTensor(await readImage("data/dev/tom-cruise-2014-w128.jpg"));
 * const logits = detector.faceLogits(photo); // [1, anchors], differentiable in the photo
 * assert.ok(Math.max(...logits.dataSync()) > detector.logitThreshold); // a face is seen
 * await assert.rejects(() => loadWhiteBoxDetector("haar"), /black-box/);
 * tf.dispose([photo, logits]);
 * ```
 */
export async function loadWhiteBoxDetector(id: string): Promise<WhiteBoxDetector> {
  const detector = await loadDetector(id);
  if (detector.kind !== "whitebox") {
    throw new UserError(`detector "${id}" is black-box and cannot be attacked with gradients`);
  }
  return detector as WhiteBoxDetector;
}

/** Forgets and disposes every loaded detector (tests use this between backends). */
export async function unloadDetectors(): Promise<void> {
  for (const promise of loaded.values()) {
    try {
      (await promise).dispose();
    } catch {
      // A detector that failed to load has nothing to dispose.
    }
  }
  loaded.clear();
}
