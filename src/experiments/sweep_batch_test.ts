/**
 * Batched sweeps on a CPU backend (`--batch 2`): photos of one size share a batch,
 * whatever their order in the config, a photo of another size runs alone, and every
 * unit still gets its own complete rows.
 */
import assert from "node:assert/strict";
import { runCliScript } from "../testing/run_cli_script.ts";
import { writeFgsmConfig, writeSweepPhotos } from "../testing/tiny_sweep.ts";
import { openRows } from "./row_store.ts";

Deno.test("sweep --batch 2: same-size photos together, another size alone", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-sweep-batch-" });
  try {
    const photos = await writeSweepPhotos(dir);
    const images = [photos.first, photos.taller, photos.sameSize];
    const config = await writeFgsmConfig(dir, "batch-smoke", images);
    const out = await runCliScript("sweep.ts", [
      config,
      "--out",
      `${dir}/out`,
      "--backend",
      "wasm",
      "--batch",
      "2",
    ]);
    assert.equal(out.code, 0, out.stderr);
    const rows = await openRows(`${dir}/out/rows.jsonl`);
    const batchOf = Object.fromEntries(
      rows.map((r) => [String(r.image).split("/").at(-1), r.batch_images]),
    );
    assert.deepEqual(batchOf, { "a.png": 2, "b.png": 1, "c.png": 2 });
    for (const row of rows) {
      assert.equal(row.backend, "wasm");
      assert.equal(row.unit_rows, 1);
      assert.ok((row.clean_faces as number) >= 1);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep --batch rejects what is not a whole number or auto", async () => {
  const out = await runCliScript("sweep.ts", ["x.json", "--batch", "0"]);
  const stderr = out.stderr.trim();
  assert.notEqual(out.code, 0);
  assert.match(stderr, /--batch must be a whole number >= 1 or "auto", got "0"/);
  assert.equal(stderr.split("\n").length, 1);
});
