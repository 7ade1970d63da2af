/** MediaPipe's full-range face detector (192x192), `facemesh-detection-full` in Human's models. */
import type { BlazeFamilySpec } from "./blazeface_family.ts";

/**
 * Spec of `mediapipe-full`: one 48x48 anchor grid at stride 4, decoded as Human does.
 * The graph has two heads, `Identity` (model/face/concat) and `Identity_1`
 * (model/person/concat); Human 3.3.6 reads the first output it returns, which is the
 * person head. We read the face head.
 */
export const MEDIAPIPE_FULL: BlazeFamilySpec = {
  id: "mediapipe-full",
  modelName: "facemesh-detection-full",
  inputSize: 192,
  anchors: { strides: [4], anchorsPerCell: [1] },
  threshold: 0.2,
  iouThreshold: 0.1,
  outputNodes: ["Identity"],
  description:
    "MediaPipe full-range face detector, 192x192, BlazeFace-style with DepthToSpace upsampling",
  /** Measured on the 2-core build machine (pgdSpeed, batch 1, 192x192). */
  stepMs: 53,
};
