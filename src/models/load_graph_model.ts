/**
 * Loads a tfjs graph model from the verified models/ folder, optionally rewriting
 * fused ops so that input gradients work on every backend.
 */
import * as tf from "@tensorflow/tfjs";
import { MODELS_DIR } from "../paths.ts";
import { readManifest, verifyFile } from "../verified_files.ts";
import { type GraphNode, unfuseGraph } from "./unfuse_graph.ts";
import { makeBatchDynamic } from "./dynamic_batch.ts";
import { SetupError } from "../errors.ts";

/** Options for loading a graph model. */
export interface LoadGraphModelOptions {
  /** Split fused convolutions so tf.grad can differentiate through the model. */
  unfuse?: boolean;
  /** Let batch-1 exports run any batch size (see dynamic_batch.ts). */
  dynamicBatch?: boolean;
  /** Folder holding the model files and manifest.json (default: models/). */
  dir?: string;
  /** Rewrites the topology after unfusing (e.g. ghost_graph.ts's erosion nodes). */
  rewrite?: (nodes: GraphNode[]) => GraphNode[];
}

interface ModelJson {
  modelTopology: { node: GraphNode[]; [key: string]: unknown };
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: unknown;
  userDefinedMetadata?: { [key: string]: object };
  modelInitializer?: unknown;
}

/** Loads `<name>.json` and its weights after verifying every file's SHA-256 against the manifest. */
export async function loadGraphModel(
  name: string,
  options: LoadGraphModelOptions = {},
): Promise<tf.GraphModel> {
  const dir = options.dir ?? MODELS_DIR;
  const manifest = await readManifest(`${dir}/manifest.json`).catch((error) => {
    if (error instanceof Deno.errors.NotFound) {
      throw new SetupError(`${dir}/manifest.json is missing`);
    }
    throw error;
  });
  const entry = (file: string) => {
    const found = manifest.files.find((f) => f.file === file);
    if (!found) throw new Error(`model file ${file} is not listed in ${dir}/manifest.json`);
    return found;
  };
  const jsonFile = `${name}.json`;
  await verifyFile(dir, entry(jsonFile));
  const json = JSON.parse(await Deno.readTextFile(`${dir}/${jsonFile}`)) as ModelJson;
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const path of group.paths) {
      await verifyFile(dir, entry(path));
      buffers.push(await Deno.readFile(`${dir}/${path}`));
    }
  }
  const unfused = options.unfuse ? unfuseGraph(json.modelTopology.node) : undefined;
  const rewritten = options.rewrite?.(unfused ?? json.modelTopology.node) ?? unfused;
  const topology = rewritten ? { ...json.modelTopology, node: rewritten } : json.modelTopology;
  const weightData = concatBytes(buffers);
  if (options.dynamicBatch) makeBatchDynamic(topology.node, weightSpecs, weightData);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: topology,
    weightSpecs,
    weightData: weightData.buffer as ArrayBuffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    signature: json.signature as object | undefined,
    userDefinedMetadata: json.userDefinedMetadata,
    modelInitializer: json.modelInitializer as object | undefined,
  };
  return await tf.loadGraphModel(tf.io.fromMemory(artifacts));
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
