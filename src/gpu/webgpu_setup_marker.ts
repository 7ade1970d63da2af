/**
 * The record set-up leaves when it has seen WebGPU find an adapter on this machine. From
 * then on the webgpu tests must run here: where the record exists and the adapter is gone,
 * they fail instead of being skipped (see webgpu_test_gate.ts). It lives in node_modules,
 * which is this machine's own and which set-up fills.
 */
import { NODE_MODULES } from "../paths.ts";

/** Where set-up writes the record. */
export const WEBGPU_MARKER_PATH = `${NODE_MODULES}/.equalais/webgpu-setup.json`;

/** What set-up saw. */
export interface WebgpuSetupMarker {
  /** The adapter's name, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  adapter: string;
  /** Whether it is a software (CPU) adapter. */
  software: boolean;
  /** The machine's host name: a node_modules on a shared file system speaks for one host. */
  host: string;
  /** When set-up saw it (ISO 8601). */
  checked: string;
}

/** The record, or undefined where set-up has written none; throws naming a damaged one. */
export async function readWebgpuMarker(
  path = WEBGPU_MARKER_PATH,
): Promise<WebgpuSetupMarker | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  let marker: Partial<WebgpuSetupMarker> | undefined;
  try {
    marker = JSON.parse(text);
  } catch {
    // reported below
  }
  if (typeof marker?.adapter !== "string" || typeof marker.host !== "string") {
    throw new Error(`${path} is damaged (not set-up's WebGPU record); rerun \`deno task setup\``);
  }
  return marker as WebgpuSetupMarker;
}

/** Writes the record (set-up, after WebGPU found an adapter in a fresh process). */
export async function writeWebgpuMarker(
  marker: WebgpuSetupMarker,
  path = WEBGPU_MARKER_PATH,
): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(marker, null, 2) + "\n");
}

/** Removes the record (set-up, where WebGPU finds no adapter); no error if there is none. */
export async function removeWebgpuMarker(path = WEBGPU_MARKER_PATH): Promise<void> {
  await Deno.remove(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}
