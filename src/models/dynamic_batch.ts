/**
 * Load-time rewrite that lets batch-1 exports take any batch size.
 *
 * BlazeFace's tfjs export fixes the input placeholder to batch 1 and reshapes its
 * outputs with constant shapes [1, anchors, k]. Setting the placeholder's batch to -1
 * and the leading 1 of those constant shapes to -1 makes one forward/backward pass
 * handle several images or EOT samples.
 */
import type * as tf from "@tensorflow/tfjs";
import type { GraphNode } from "./unfuse_graph.ts";

const BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** Byte size of one weight as stored (quantised weights take their stored dtype's size). */
function storedBytes(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const size = BYTES[dtype];
  if (size === undefined) throw new Error(`cannot size weight ${spec.name} of dtype ${dtype}`);
  return count * size;
}

/**
 * Makes the graph batch-agnostic in place: returns the number of constants patched.
 * Leaves graphs whose placeholder already has a free batch untouched.
 */
export function makeBatchDynamic(
  nodes: GraphNode[],
  specs: tf.io.WeightsManifestEntry[],
  weightData: Uint8Array,
): number {
  const placeholder = nodes.find((n) => n.op === "Placeholder");
  const dims = (placeholder?.attr?.shape as { shape?: { dim?: { size: string }[] } } | undefined)
    ?.shape?.dim;
  if (!placeholder || !dims || dims[0]?.size !== "1") return 0;
  dims[0].size = "-1";

  const offsets = new Map<string, { offset: number; spec: tf.io.WeightsManifestEntry }>();
  let offset = 0;
  for (const spec of specs) {
    offsets.set(spec.name, { offset, spec });
    offset += storedBytes(spec);
  }
  const view = new DataView(weightData.buffer, weightData.byteOffset, weightData.byteLength);
  let patched = 0;
  for (const node of nodes) {
    if (node.op !== "Reshape" || !node.input?.[1]) continue;
    const shapeWeight = offsets.get(node.input[1]);
    if (!shapeWeight || shapeWeight.spec.dtype !== "int32" || shapeWeight.spec.quantization) {
      continue;
    }
    if (view.getInt32(shapeWeight.offset, true) === 1) {
      view.setInt32(shapeWeight.offset, -1, true);
      patched++;
    }
  }
  return patched;
}
