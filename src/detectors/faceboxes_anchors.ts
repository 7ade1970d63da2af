/**
 * FaceBoxes' anchors (Zhang et al. 2017, section 3.3) as the TensorFlow export in Human's
 * models builds them inside its graph, so that the differentiable path can decode boxes
 * the way the deployed graph does.
 *
 * The graph pads the photo below and to the right to multiples of 128 pixels and lays
 * anchors over that padded canvas: 21 per cell of the stride-32 map (sizes 32, 64 and 128,
 * densified 4x4, 2x2 and 1x1), one of size 256 per cell of the stride-64 map and one of 512
 * per cell of the stride-128 map. A densified anchor's n x n copies are spread over the
 * anchor's own extent (not the cell's): centre offsets cell/2 - size/2 + size/n (k + 1/2).
 * Within a cell the copies run with y fastest, as the graph's tiling orders them.
 */

/** The multiple of pixels the graph pads each side of the photo to. */
export const FACEBOXES_PAD_MULTIPLE = 128;

/** [stride, [anchor size, densification]...] of each feature map, in output order. */
const LAYOUT: [number, [number, number][]][] = [
  [32, [[32, 4], [64, 2], [128, 1]]],
  [64, [[256, 1]]],
  [128, [[512, 1]]],
];

/** The padded canvas [height, width] the graph runs its network on. */
export function faceBoxesPaddedSize(height: number, width: number): [number, number] {
  const pad = (side: number) => Math.ceil(side / FACEBOXES_PAD_MULTIPLE) * FACEBOXES_PAD_MULTIPLE;
  return [pad(height), pad(width)];
}

/** Anchors for a padded canvas: [ymin, xmin, ymax, xmax] per anchor, normalised and clipped to [0, 1]. */
export function faceBoxesAnchors(paddedHeight: number, paddedWidth: number): Float32Array {
  const boxes: number[] = [];
  for (const [stride, specs] of LAYOUT) {
    // The graph's feature maps: SAME-padded stride-2 layers give ceil(side / stride).
    const rows = Math.ceil(paddedHeight / stride);
    const cols = Math.ceil(paddedWidth / stride);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        for (const [size, n] of specs) {
          for (let a = 0; a < n; a++) {
            for (let b = 0; b < n; b++) {
              const offset = (k: number) => stride / 2 - size / 2 + (size / n) * (k + 0.5);
              const cy = i * stride + offset(b);
              const cx = j * stride + offset(a);
              boxes.push(
                Math.max(0, (cy - size / 2) / paddedHeight),
                Math.max(0, (cx - size / 2) / paddedWidth),
                Math.min(1, (cy + size / 2) / paddedHeight),
                Math.min(1, (cx + size / 2) / paddedWidth),
              );
            }
          }
        }
      }
    }
  }
  return new Float32Array(boxes);
}
