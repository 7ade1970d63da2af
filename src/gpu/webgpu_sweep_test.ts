/**
 * A sweep on the webgpu backend (the software adapter in CI): its rows record the backend
 * and adapter, and two photos of one size go through the attack as one batch.
 */
import assert from "node:assert/strict";
import { openRows } from "../experiments/row_store.ts";
import { runCliScript } from "../testing/run_cli_script.ts";
import { writeFgsmConfig, writeSweepPhotos } from "../testing/tiny_sweep.ts";
import { probeGpuAdapter } from "./adapter.ts";
import { WEBGPU_SKIP_REASON } from "./webgpu_testing.ts";

Deno.test({
  name: "webgpu sweep: rows record backend and adapter; same-size photos share a batch",
  ignore: WEBGPU_SKIP_REASON !== undefined,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-webgpu-sweep-" });
  try {
    // Two different photos of the same size: sample1, and sample2 cropped to its shape.
    const photos = await writeSweepPhotos(dir);
    const config = await writeFgsmConfig(dir, "webgpu-smoke", [photos.first, photos.sameSize]);
    const out = await runCliScript("sweep.ts", [
      config,
      "--out",
      `${dir}/out`,
      "--backend",
      "webgpu",
    ]);
    const stderr = out.stderr;
    assert.equal(out.code, 0, stderr);
    assert.match(stderr, /batch: up to \d+ photos of one size per forward\/backward/);
    const probe = await probeGpuAdapter();
    const adapter = "found" in probe ? probe.found.name : "";
    const run = JSON.parse(await Deno.readTextFile(`${dir}/out/run.json`));
    assert.equal(run.backend, "webgpu");
    assert.equal(run.adapter, adapter);
    const rows = await openRows(`${dir}/out/rows.jsonl`);
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.equal(row.backend, "webgpu");
      assert.equal(row.adapter, adapter);
      assert.equal(row.batch_images, 2, "both photos went through one batch");
      assert.equal(row.target, "blazeface-front");
      assert.ok((row.clean_faces as number) >= 1, `${row.image}: clean faces`);
    }
    assert.deepEqual(rows.map((r) => r.image).sort(), [photos.first, photos.sameSize].sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
