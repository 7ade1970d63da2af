/** BlazeFace front-camera model (128x128), tuned for close selfie faces. */
import type { BlazeFamilySpec } from "./blazeface_family.ts";

/** Spec of `blazeface-front`; threshold and IoU are Human 3.3.6's defaults. */
export const BLAZEFACE_FRONT: BlazeFamilySpec = {
  id: "blazeface-front",
  modelName: "blazeface-front",
  inputSize: 128,
  anchors: { strides: [8, 16], anchorsPerCell: [2, 6] },
  threshold: 0.2,
  iouThreshold: 0.1,
  description: "BlazeFace front-camera (Bazarevsky et al. 2019), 128x128, short range",
  /** Measured on the 2-core build machine (pgdSpeed, batch 1, 128x128). */
  stepMs: 16,
};
