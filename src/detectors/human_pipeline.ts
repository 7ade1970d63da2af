/**
 * Human's complete face pipeline (`human.detect`: BlazeFace, then the FaceMesh model
 * that re-scores and refines each face) as a black-box judge. It runs from Human's
 * node-wasm build, which shares our tfjs engine and backend.
 */
import * as tf from "@tensorflow/tfjs";
import type { Detector, Face } from "./types.ts";
import { imageToTensor, type RgbImage } from "../image/rgb_image.ts";
import { MODELS_DIR } from "../paths.ts";
import { readManifest, verifyFile } from "../verified_files.ts";

// The package's export map hides its node-wasm build, so the file is imported directly.
// @ts-types="../../node_modules/@vladmandic/human/types/human.d.ts"
import * as HumanModule from "../../node_modules/@vladmandic/human/dist/human.node-wasm.js";

type HumanInstance = InstanceType<typeof HumanModule.Human>;

const HUMAN_MODEL_FILES = ["blazeface-back", "facemesh"];

/**
 * Human's configuration with every module but face detection off: the detector
 * (blazeface-back, Human's own thresholds, up to 100 faces) and, optionally, the mesh.
 */
export function humanFaceConfig(options: { mesh: boolean }): Record<string, unknown> {
  return {
    backend: tf.getBackend(),
    modelBasePath: `file://${MODELS_DIR}/`,
    debug: false,
    async: true,
    warmup: "none",
    cacheSensitivity: 0,
    skipAllowed: false,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: {
        modelPath: "blazeface-back.json",
        maxDetected: 100,
        minConfidence: 0.2,
        rotation: false,
      },
      mesh: { enabled: options.mesh, modelPath: "facemesh.json" },
      iris: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      attention: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  };
}

/**
 * The bounding box of the face mesh's points. Human's own `face.box` is the enlarged
 * square crop it fed the mesh model (about 1.4-2x the face); the mesh spans the face
 * itself, so its extent is comparable with other detectors' boxes.
 */
function meshBox(mesh: number[][] | undefined): Face["box"] | undefined {
  if (!mesh || mesh.length < 3) return undefined;
  const xs = mesh.map((p) => p[0]);
  const ys = mesh.map((p) => p[1]);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return [x, y, Math.max(...xs) - x, Math.max(...ys) - y];
}

/** Human 3.3.6's full face pipeline (detector + mesh), face parts only. */
export class HumanPipelineDetector implements Detector {
  /** Detector id. */
  readonly id = "human";
  /** Model family. */
  readonly family = "blazeface";
  /** Forward only. */
  readonly kind = "blackbox" as const;
  /** Human's own default minimum confidence. */
  readonly threshold = 0.2;
  /** One line for listings. */
  readonly description = "Human 3.3.6 face pipeline: BlazeFace-back detector re-scored by FaceMesh";
  readonly #human: HumanInstance;

  private constructor(human: HumanInstance) {
    this.#human = human;
  }

  /** Verifies the model files, then loads Human with every non-face module off. */
  static async load(): Promise<HumanPipelineDetector> {
    const manifest = await readManifest(`${MODELS_DIR}/manifest.json`);
    for (const name of HUMAN_MODEL_FILES) {
      for (const entry of manifest.files.filter((f) => f.file.startsWith(`${name}.`))) {
        await verifyFile(MODELS_DIR, entry);
      }
    }
    const human = new HumanModule.Human(humanFaceConfig({ mesh: true }));
    if (human.tf.engine() !== tf.engine()) {
      throw new Error("Human loaded a second tfjs engine; its results would not be comparable");
    }
    await human.load();
    return new HumanPipelineDetector(human);
  }

  /** Runs `human.detect` on the image. */
  async detect(image: RgbImage): Promise<Face[]> {
    const input = imageToTensor(image);
    try {
      const result = await this.#human.detect(input);
      if (result.error) throw new Error(`human.detect failed: ${result.error}`);
      return result.face.map((face) => ({
        box: meshBox(face.mesh as number[][]) ?? [...face.box] as Face["box"],
        score: face.score,
      }));
    } finally {
      input.dispose();
    }
  }

  /** Human keeps its models for the process lifetime; nothing to release per detector. */
  dispose(): void {}
}
