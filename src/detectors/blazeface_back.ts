/** BlazeFace back-camera model (256x256): Human's default face detector. */
import type { BlazeFamilySpec } from "./blazeface_family.ts";

/** Spec of `blazeface-back`; threshold and IoU are Human 3.3.6's defaults. */
export const BLAZEFACE_BACK: BlazeFamilySpec = {
  id: "blazeface-back",
  modelName: "blazeface-back",
  inputSize: 256,
  anchors: { strides: [16, 32], anchorsPerCell: [2, 6] },
  threshold: 0.2,
  iouThreshold: 0.1,
  description: "BlazeFace back-camera (Bazarevsky et al. 2019), 256x256, Human's default detector",
  /** Measured on the 2-core build machine (pgdSpeed, batch 1, 256x256). */
  stepMs: 75,
};
