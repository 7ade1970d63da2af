/**
 * Ghost networks for tfjs graph models (see ghost_erosion.ts): a load-time topology rewrite
 * that inserts an erosion op after every intermediate activation (dropout erosion) and on
 * the identity input of every residual sum (skip-connection erosion). The ops are tfjs
 * custom ops that read the model's current ghost from a GhostSwitch: with none set they
 * pass their input through unchanged, so the rewritten graph computes exactly the original
 * network until an attack asks for ghosts.
 */
import * as tf from "@tensorflow/tfjs";
import type { GraphNode } from "./unfuse_graph.ts";
import { dropoutErosion, type GhostSample, skipErosion, validateRate } from "./ghost_erosion.ts";

/** Op type of an inserted dropout-erosion node. */
export const GHOST_DROPOUT_OP = "EqualAIsGhostDropout";
/** Op type of an inserted skip-erosion node. */
export const GHOST_SKIP_OP = "EqualAIsGhostSkip";

// Activations whose outputs are the network's intermediate feature maps. Sigmoid is left
// out: where these graphs have one, it makes an output, not a feature map.
const ACTIVATIONS = new Set(["Relu", "Relu6", "Elu", "Tanh", "LeakyRelu", "Prelu"]);
const SUMS = new Set(["Add", "AddV2"]);
const CONVOLUTIONS = new Set([
  "Conv2D",
  "DepthwiseConv2dNative",
  "_FusedConv2D",
  "FusedDepthwiseConv2dNative",
]);
// Ops a feature map passes through unchanged in kind, on the way back to its convolution.
const PASS_THROUGH = new Set([
  ...ACTIVATIONS,
  "BiasAdd",
  "Identity",
  "Pad",
  "MaxPool",
  "FusedBatchNorm",
  "FusedBatchNormV3",
  ...SUMS,
]);

// The ghost each switch holds, by switch id: the custom ops find it from their attributes.
const current = new Map<number, GhostSample | undefined>();
let nextId = 1;

/** Where a model's ghost is set; one per rewritten graph. */
export class GhostSwitch {
  /** Id written into the rewritten graph's erosion nodes. */
  readonly id = nextId++;

  /** Erode with this ghost from now on (undefined: the exact network). */
  set(sample: GhostSample | undefined): void {
    if (sample) {
      validateRate("ghost dropout", sample.dropout);
      validateRate("ghost skip", sample.skip);
    }
    current.set(this.id, sample);
  }

  /** The ghost in use, if any. */
  get sample(): GhostSample | undefined {
    return current.get(this.id);
  }

  /** Forgets the switch. */
  dispose(): void {
    current.delete(this.id);
  }
}

/** What ghostGraph inserted: the names of the eroded nodes. */
export interface GhostSites {
  /** Activations whose outputs get dropout erosion, in site order. */
  dropout: string[];
  /** Residual sums whose identity input gets skip erosion, in site order. */
  skip: string[];
  /** For each skip site, the identity input that is scaled. */
  skipInputs: string[];
}

const base = (input: string) => input.replace(/^\^/, "").replace(/:\d+$/, "");

/**
 * The graph's nodes with erosion nodes inserted, for the switch `switchId`. The identity
 * input of a residual sum is the one fewer ops from the graph's inputs (the branch adds its
 * convolutions on top of the same block input). A sum is residual only when both inputs
 * are feature maps (each leads back to a convolution through activations, biases, pads,
 * pooling or earlier sums): arithmetic on boxes or anchors is left alone, as are sums whose
 * inputs are equally deep.
 */
export function ghostGraph(
  nodes: GraphNode[],
  switchId: number,
): { nodes: GraphNode[]; sites: GhostSites } {
  const out: GraphNode[] = nodes.map((n) => ({ ...n, input: n.input ? [...n.input] : undefined }));
  const byName = new Map(out.map((n) => [n.name, n]));
  const depths = new Map<string, number>();
  const depth = (name: string): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    // Iterative, so deep graphs cannot overflow the stack.
    const stack = [name];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const inputs = (byName.get(top)?.input ?? []).filter((i) => !i.startsWith("^")).map(base);
      const missing = inputs.filter((i) => !depths.has(i) && byName.has(i));
      if (missing.length) {
        stack.push(...missing);
        continue;
      }
      stack.pop();
      depths.set(top, inputs.length ? 1 + Math.max(...inputs.map((i) => depths.get(i) ?? 0)) : 0);
    }
    return depths.get(name)!;
  };
  const featureMap = (name: string): boolean => {
    let node = byName.get(name);
    for (let hops = 0; node && hops < nodes.length; hops++) {
      if (CONVOLUTIONS.has(node.op)) return true;
      if (!PASS_THROUGH.has(node.op)) return false;
      const first = (node.input ?? []).find((i) => !i.startsWith("^"));
      node = first === undefined ? undefined : byName.get(base(first));
    }
    return false;
  };
  const attr = (site: number) => ({
    ghost_switch: { i: String(switchId) },
    ghost_site: { i: String(site) },
  });
  const sites: GhostSites = { dropout: [], skip: [], skipInputs: [] };
  const added: GraphNode[] = [];
  // Decided on the original graph, before any input is rewired to an erosion node.
  const residual = out.filter((node) => {
    const inputs = (node.input ?? []).filter((i) => !i.startsWith("^"));
    return SUMS.has(node.op) && inputs.length === 2 && inputs.every((i) => featureMap(base(i)));
  });
  for (const node of residual) {
    const inputs = (node.input ?? []).filter((i) => !i.startsWith("^"));
    const [a, b] = inputs.map((i) => depth(base(i)));
    if (a === b) continue;
    const identity = a < b ? inputs[0] : inputs[1];
    const name = `${node.name}/ghost_skip`;
    added.push({ name, op: GHOST_SKIP_OP, input: [identity], attr: attr(sites.skip.length) });
    node.input = node.input!.map((i) => i === identity ? name : i);
    sites.skip.push(node.name);
    sites.skipInputs.push(base(identity));
  }
  out.push(...added);
  const consumers = new Map<string, GraphNode[]>();
  for (const node of out) {
    for (const input of node.input ?? []) {
      const list = consumers.get(base(input)) ?? [];
      list.push(node);
      consumers.set(base(input), list);
    }
  }
  for (const node of [...out]) {
    if (!ACTIVATIONS.has(node.op) || !consumers.has(node.name)) continue;
    const name = `${node.name}/ghost_dropout`;
    for (const consumer of consumers.get(node.name)!) {
      consumer.input = consumer.input!.map((i) =>
        i === node.name || i === `${node.name}:0` ? name : i
      );
    }
    out.push({ name, op: GHOST_DROPOUT_OP, input: [node.name], attr: attr(sites.dropout.length) });
    sites.dropout.push(node.name);
  }
  return { nodes: out, sites };
}

interface CustomNode {
  inputs: tf.Tensor[];
  attrs: Record<string, unknown>;
}

// tfjs custom ops: registered once per thread (gradient workers load this module too).
function erosionOp(
  erode: (x: tf.Tensor, sample: GhostSample | undefined, site: number) => tf.Tensor,
) {
  return (node: CustomNode) => {
    const x = node.inputs[0];
    const sample = current.get(node.attrs.ghost_switch as number);
    const eroded = erode(x, sample, node.attrs.ghost_site as number);
    // The executor disposes intermediate tensors by node: never hand back the input itself.
    return [eroded === x ? x.clone() : eroded];
  };
}
tf.registerOp(GHOST_DROPOUT_OP, erosionOp(dropoutErosion) as unknown as tf.OpExecutor);
tf.registerOp(GHOST_SKIP_OP, erosionOp(skipErosion) as unknown as tf.OpExecutor);
