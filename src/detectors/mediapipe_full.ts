/** MediaPipe's full-range face detector (192x192), `facemesh-detection-full` in Human's models. */
import type { BlazeFamilySpec } from "./blazeface_family.ts";

/** Spec of `mediapipe-full`: one 48x48 anchor grid at stride 4, as Human decodes it. */
export const MEDIAPIPE_FULL: BlazeFamilySpec = {
  id: "mediapipe-full",
  modelName: "facemesh-detection-full",
  inputSize: 192,
  anchors: { strides: [4], anchorsPerCell: [1] },
  threshold: 0.2,
  iouThreshold: 0.1,
  description:
    "MediaPipe full-range face detector, 192x192, BlazeFace-style with DepthToSpace upsampling",
};
