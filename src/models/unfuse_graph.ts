/**
 * Load-time rewrite of fused graph ops into differentiable primitives.
 *
 * `_FusedConv2D` and `FusedDepthwiseConv2dNative` run fast, but their gradients compute
 * filter gradients eagerly, and wasm has no kernel for those. Splitting each into
 * convolution -> BiasAdd -> activation lets `tf.grad` ask for input gradients only.
 * The last node of each split keeps the original name, so consumers need no change.
 */

/** A node of a TensorFlow graph in the tfjs JSON format. */
export interface GraphNode {
  /** Unique node name. */
  name: string;
  /** Op type, e.g. "Conv2D". */
  op: string;
  /** Names of input nodes (with optional ":k" output index or "^" control prefix). */
  input?: string[];
  /** Op attributes in TensorFlow's JSON encoding. */
  attr?: Record<string, unknown>;
  /** Device placement, ignored by tfjs. */
  device?: string;
}

const UNFUSED_OP: Record<string, string> = {
  _FusedConv2D: "Conv2D",
  FusedDepthwiseConv2dNative: "DepthwiseConv2dNative",
};

const ACTIVATIONS = new Set(["Relu", "Relu6", "Elu", "Sigmoid", "Tanh", "LeakyRelu", "Prelu"]);

/** Decodes the `fused_ops` attribute (base64 strings) of a fused node. */
export function fusedOps(node: GraphNode): string[] {
  const list = (node.attr?.fused_ops as { list?: { s?: string[] } } | undefined)?.list?.s ?? [];
  return list.map((encoded) => atob(encoded));
}

/** Returns the graph's nodes with every fused convolution split into primitives. */
export function unfuseGraph(nodes: GraphNode[]): GraphNode[] {
  const out: GraphNode[] = [];
  for (const node of nodes) {
    const plainOp = UNFUSED_OP[node.op];
    if (!plainOp) {
      out.push(node);
      continue;
    }
    out.push(...splitFusedNode(node, plainOp));
  }
  return out;
}

function splitFusedNode(node: GraphNode, plainOp: string): GraphNode[] {
  const ops = fusedOps(node);
  const inputs = (node.input ?? []).filter((name) => !name.startsWith("^"));
  const [x, filter, ...args] = inputs;
  if (ops.length === 0 || ops[0] !== "BiasAdd" || ops.length > 2) {
    throw new Error(`cannot unfuse ${node.name}: unsupported fused ops [${ops.join(", ")}]`);
  }
  const activation = ops[1];
  if (activation && !ACTIVATIONS.has(activation)) {
    throw new Error(`cannot unfuse ${node.name}: unsupported activation ${activation}`);
  }
  const convAttr: Record<string, unknown> = {};
  for (const key of ["strides", "padding", "dilations", "data_format", "explicit_paddings", "T"]) {
    if (node.attr?.[key] !== undefined) convAttr[key] = node.attr[key];
  }
  const convName = `${node.name}/unfused_conv`;
  const biasName = activation ? `${node.name}/unfused_bias` : node.name;
  const nodes: GraphNode[] = [
    { name: convName, op: plainOp, input: [x, filter], attr: convAttr },
    {
      name: biasName,
      op: "BiasAdd",
      input: [convName, args[0]],
      attr: { T: node.attr?.T, data_format: node.attr?.data_format },
    },
  ];
  if (activation) {
    const activationNode: GraphNode = { name: node.name, op: activation, input: [biasName] };
    if (activation === "Prelu") activationNode.input!.push(args[1]);
    if (activation === "LeakyRelu") {
      activationNode.attr = { alpha: node.attr?.leakyrelu_alpha ?? { f: 0.2 } };
    }
    nodes.push(activationNode);
  }
  return nodes;
}
