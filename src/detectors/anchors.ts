/**
 * SSD anchor centres of the BlazeFace family, in model-input pixels, in the order the
 * models emit their predictions (as MediaPipe and Human generate them).
 */

/** Anchor layout: one stride per feature map and how many anchors sit at each cell. */
export interface AnchorSpec {
  /** Feature-map strides in input pixels. */
  strides: number[];
  /** Anchors per cell for each stride. */
  anchorsPerCell: number[];
}

/** Returns [x, y] anchor centres for a square input of `inputSize` pixels. */
export function generateAnchors(inputSize: number, spec: AnchorSpec): [number, number][] {
  const anchors: [number, number][] = [];
  spec.strides.forEach((stride, level) => {
    const cells = Math.ceil(inputSize / stride);
    for (let gy = 0; gy < cells; gy++) {
      for (let gx = 0; gx < cells; gx++) {
        for (let n = 0; n < spec.anchorsPerCell[level]; n++) {
          anchors.push([stride * (gx + 0.5), stride * (gy + 0.5)]);
        }
      }
    }
  });
  return anchors;
}
