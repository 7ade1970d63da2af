/**
 * Hand-made result rows for the chart tests: small enough to compute every expected value
 * by hand, shaped exactly like a sweep's rows.
 */
import type { ResultRow } from "./result_rows.ts";

/** A measured row with sensible defaults; override any field. */
export function fixtureRow(fields: Partial<ResultRow> = {}): ResultRow {
  const row = {
    image: "a.jpg",
    attack: "pgd",
    attack_options: {},
    robust: false,
    eps: 8,
    steps: 10,
    steps_run: 10,
    source: ["blazeface-back"],
    seed: 1,
    target: "blazeface-back",
    channel: "identity",
    clean_faces: 4,
    matched: 2,
    detection_rate: 0.5,
    psnr_db: 40,
    ssim_rgb: 0.95,
    code_version: "abc123",
    backend: "wasm",
    ...fields,
  };
  const unit = JSON.stringify([row.image, row.attack, row.robust, row.eps, row.source, row.seed]);
  return { unit, unit_rows: 1, unit_index: 0, ...row };
}
