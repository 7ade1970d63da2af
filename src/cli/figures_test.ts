/** `deno task figures` on a small fixed rows file, as a user runs it. */
import assert from "node:assert/strict";
import { fixtureCrossFamilyRows, fixtureSweepRows } from "../charts/fixture_rows.ts";
import type { FiguresManifest } from "../charts/figures_manifest.ts";
import { PAPER_FIGURES } from "../charts/paper_figures.ts";
import { sha256File } from "../hash.ts";
import { runCliScript } from "../testing/run_cli_script.ts";

function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.deepEqual([...bytes.slice(0, 8)], signature, "PNG signature");
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  assert.equal(new TextDecoder().decode(bytes.slice(12, 16)), "IHDR");
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

Deno.test({
  name: "figures: every paper figure as SVG and PNG from a rows file, with a true manifest",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "equalais-figures-" });
    try {
      const rows = fixtureSweepRows();
      const rowsPath = `${dir}/sweep/rows.jsonl`;
      await Deno.mkdir(`${dir}/sweep`);
      await Deno.writeTextFile(rowsPath, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
      await Deno.writeTextFile(
        `${dir}/sweep/run.json`,
        JSON.stringify({ config: { name: "fixture", eps: [4, 8] } }),
      );
      const crossRows = fixtureCrossFamilyRows();
      const crossPath = `${dir}/cross/rows.jsonl`;
      await Deno.mkdir(`${dir}/cross`);
      await Deno.writeTextFile(
        crossPath,
        crossRows.map((r) => JSON.stringify(r)).join("\n") + "\n",
      );
      const out = `${dir}/figures`;
      const result = await runCliScript("figures.ts", [
        "--rows",
        rowsPath,
        "--cross-family-rows",
        crossPath,
        "--out",
        out,
      ]);
      assert.equal(result.code, 0, result.stderr);

      const manifest: FiguresManifest = JSON.parse(await Deno.readTextFile(`${out}/manifest.json`));
      const studies = {
        paper: { path: rowsPath, hash: await sha256File(rowsPath), rows, config: "fixture" },
        "cross-family": {
          path: crossPath,
          hash: await sha256File(crossPath),
          rows: crossRows,
          config: null,
        },
      };
      assert.deepEqual(Object.keys(manifest.figures), PAPER_FIGURES.map((f) => f.name));
      const layerOf: Record<string, string> = {
        detection_vs_eps_identity: "scatterlayer",
        detection_vs_eps_jpeg75: "scatterlayer",
        transfer: "heatmaplayer",
        quality_tradeoff: "scatterlayer",
        channel_robustness: "barlayer",
        cross_family: "barlayer",
      };
      for (const figure of PAPER_FIGURES) {
        const entry = manifest.figures[figure.name];
        const study = studies[figure.study];
        assert.equal(entry.rows, study.path);
        assert.equal(entry.rows_sha256, study.hash);
        assert.equal(entry.rows_count, study.rows.length);
        assert.deepEqual(entry.config, study.config ? { name: "fixture", eps: [4, 8] } : null);
        assert.deepEqual(entry.code_version, ["fixture"]);
        assert.equal(entry.files_sha256.svg, await sha256File(`${out}/${entry.files.svg}`));
        assert.equal(entry.files_sha256.png, await sha256File(`${out}/${entry.files.png}`));

        const svg = await Deno.readTextFile(`${out}/${entry.files.svg}`);
        assert.match(svg, /^<svg[^>]*class="main-svg"/);
        assert.ok(svg.includes(`class="${layerOf[figure.name]} mlayer"`), figure.name);
        const layout = figure.build(study.rows).layout;
        assert.match(svg, new RegExp(`width="${layout.width}" height="${layout.height}"`));
        const png = await Deno.readFile(`${out}/${entry.files.png}`);
        assert.deepEqual(pngSize(png), { width: layout.width * 2, height: layout.height * 2 });
        assert.ok(png.length > 10_000, `${figure.name}.png is ${png.length} bytes`);
      }
      // Drawn data, not empty axes: the heatmap has its cells, the bars their rectangles.
      const transfer = await Deno.readTextFile(`${out}/transfer.svg`);
      assert.equal(transfer.match(/<g class="hm"/g)?.length, 2);
      const bars = await Deno.readTextFile(`${out}/channel_robustness.svg`);
      assert.ok((bars.match(/class="point"/g)?.length ?? 0) >= 4);
      // Four held-out families, six bar series (three judge groups x two channels).
      const cross = await Deno.readTextFile(`${out}/cross_family.svg`);
      assert.equal(cross.match(/class="point"/g)?.length, 24);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("figures: a missing rows file is one line naming it", async () => {
  const result = await runCliScript("figures.ts", ["--rows", "/nonexistent/rows.jsonl"]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr.trim(), "figures: error: /nonexistent/rows.jsonl: no such rows file");
});
