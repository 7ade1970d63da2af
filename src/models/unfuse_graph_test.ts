/** Splitting fused convolutions keeps every white-box model's outputs unchanged. */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { fusedOps, type GraphNode, unfuseGraph } from "./unfuse_graph.ts";
import { loadGraphModel } from "./load_graph_model.ts";
import { imageToTensor } from "../image/rgb_image.ts";
import { readSample } from "../testing/fixtures.ts";

Deno.test("a fused conv + bias + relu node becomes three nodes, the last keeping its name", () => {
  const node: GraphNode = {
    name: "block/relu",
    op: "_FusedConv2D",
    input: ["x", "w", "b"],
    attr: {
      strides: { list: { i: ["1", "2", "2", "1"] } },
      padding: { s: btoa("SAME") },
      fused_ops: { list: { s: [btoa("BiasAdd"), btoa("Relu")] } },
      num_args: { i: "1" },
    },
  };
  assert.deepEqual(fusedOps(node), ["BiasAdd", "Relu"]);
  const out = unfuseGraph([node]);
  assert.deepEqual(out.map((n) => [n.name, n.op, n.input]), [
    ["block/relu/unfused_conv", "Conv2D", ["x", "w"]],
    ["block/relu/unfused_bias", "BiasAdd", ["block/relu/unfused_conv", "b"]],
    ["block/relu", "Relu", ["block/relu/unfused_bias"]],
  ]);
  assert.deepEqual(out[0].attr?.strides, node.attr?.strides);
  const unsupported = { ...node, attr: { fused_ops: { list: { s: [btoa("FusedBatchNorm")] } } } };
  assert.throws(() => unfuseGraph([unsupported]), /unsupported fused ops \[FusedBatchNorm\]/);
});

for (
  const [name, size] of [["blazeface-back", 256], ["blazeface-front", 128], [
    "facemesh-detection-full",
    192,
  ]] as const
) {
  Deno.test(`${name}: unfused graph computes the same outputs as the fused one`, async () => {
    await initBackend("wasm");
    const fused = await loadGraphModel(name);
    const unfused = await loadGraphModel(name, { unfuse: true });
    const image = await readSample(2);
    const input = tf.tidy(() =>
      tf.image.resizeBilinear(imageToTensor(image), [size, size]).div(127.5).sub(1)
    );
    const a = fused.execute(input) as tf.Tensor[];
    const b = unfused.execute(input) as tf.Tensor[];
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) {
      const diff = tf.sub(a[i], b[i]).abs().max().dataSync()[0];
      const scale = a[i].abs().max().dataSync()[0];
      assert.ok(
        diff <= 1e-4 * scale,
        `${name} output ${i}: max difference ${diff} (scale ${scale})`,
      );
    }
    tf.dispose([input, ...a, ...b]);
    fused.dispose();
    unfused.dispose();
  });
}
