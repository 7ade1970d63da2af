/**
 * A sweep on the webgpu backend (the software adapter in CI): its rows record the backend
 * and adapter, and two photos of one size go through the attack as one batch.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";
import { encodeImage } from "../image/encode.ts";
import { openRows } from "../experiments/row_store.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { probeGpuAdapter } from "./adapter.ts";
import { WEBGPU_SKIP_REASON } from "./webgpu_testing.ts";

Deno.test({
  name: "webgpu sweep: rows record backend and adapter; same-size photos share a batch",
  ignore: WEBGPU_SKIP_REASON !== undefined,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-webgpu-sweep-" });
  try {
    // Two different photos of the same size: sample1, and sample2 cropped to its shape.
    const first = await resizeImage(await readSample(1), 192);
    const second = await resizeImage(await readSample(2), 192);
    const cropped = { ...first, data: second.data.subarray(0, first.data.length) };
    await Deno.writeFile(`${dir}/a.png`, await encodeImage(first, "png"));
    await Deno.writeFile(`${dir}/b.png`, await encodeImage(cropped, "png"));
    const config = {
      name: "webgpu-smoke",
      images: [`${dir}/a.png`, `${dir}/b.png`],
      attacks: [{ attack: "fgsm" }],
      eps: [8],
      steps: [1],
      sources: [["blazeface-front"]],
      robust: [false],
      targets: ["blazeface-front"],
      channels: ["identity"],
      seeds: [1],
    };
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${PROJECT_ROOT}/src/cli/sweep.ts`,
        `${dir}/config.json`,
        "--out",
        `${dir}/out`,
        "--backend",
        "webgpu",
      ],
      cwd: PROJECT_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
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
    assert.deepEqual(rows.map((r) => r.image).sort(), [`${dir}/a.png`, `${dir}/b.png`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
