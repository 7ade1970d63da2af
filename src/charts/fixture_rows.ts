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

/** Marks rows as one work unit of a sweep, as the row store writes them. */
function asUnit(rows: ResultRow[], unit: string, index: number): ResultRow[] {
  return rows.map((r) => ({ ...r, unit, unit_index: index, unit_rows: rows.length }));
}

/** A small sweep's worth of rows: every figure has something to draw. */
export function fixtureSweepRows(): ResultRow[] {
  const rows: ResultRow[] = [];
  const sources = [["blazeface-back"], ["blazeface-back", "blazeface-front"]];
  const attacks: [string, boolean][] = [["fgsm", false], ["pgd", false], ["pgd", true]];
  let index = 0;
  for (const image of ["a.jpg", "b.jpg"]) {
    for (const [attack, robust] of attacks) {
      for (const eps of [4, 8]) {
        for (const source of sources) {
          const unit = JSON.stringify([image, attack, robust, eps, source]);
          const unitRows: ResultRow[] = [];
          for (const steps of [5, 10]) {
            for (const channel of ["identity", "jpeg75"]) {
              for (const target of ["blazeface-back", "blazeface-front", "haar"]) {
                const strength = (eps / 8) * (steps / 10) * (attack === "fgsm" ? 0.5 : 1);
                const survives = channel === "jpeg75" && !robust ? 1 : 0;
                const hidden = source.includes(target) ? Math.round(3 * strength) - survives : 0;
                unitRows.push(fixtureRow({
                  image,
                  attack,
                  robust,
                  eps,
                  steps,
                  source,
                  target,
                  channel,
                  clean_faces: 3,
                  matched: 3 - Math.max(0, hidden),
                  psnr_db: 50 - eps * (steps / 10) - (image === "b.jpg" ? 1 : 0),
                  ssim_rgb: 1 - eps / 100,
                  code_version: "fixture",
                }));
              }
            }
          }
          rows.push(...asUnit(unitRows, unit, index++));
        }
      }
    }
  }
  return rows;
}

/**
 * A leave-one-family-out sweep's worth of rows: two photos, the four leave-one-out sets,
 * every detector judging. Attacked judges find 1 of 4 faces, held-out ones 3 of 4 on the
 * file and 4 of 4 after JPEG, Haar 4 of 4; photo b finds one face fewer everywhere.
 */
export function fixtureCrossFamilyRows(): ResultRow[] {
  const sets = [
    ["faceapi-ssd", "faceapi-tiny", "faceboxes"],
    ["blazeface-back", "blazeface-front", "mediapipe-full", "faceapi-tiny", "faceboxes"],
    ["blazeface-back", "blazeface-front", "mediapipe-full", "faceapi-ssd", "faceboxes"],
    ["blazeface-back", "blazeface-front", "mediapipe-full", "faceapi-ssd", "faceapi-tiny"],
  ];
  const judges = [
    "blazeface-back",
    "blazeface-front",
    "mediapipe-full",
    "faceapi-ssd",
    "human",
    "faceboxes",
    "faceapi-tiny",
    "haar",
  ];
  const rows: ResultRow[] = [];
  let index = 0;
  for (const image of ["a.jpg", "b.jpg"]) {
    for (const source of sets) {
      const unit = JSON.stringify([image, "pgd", true, 8, source]);
      const unitRows: ResultRow[] = [];
      for (const channel of ["identity", "jpeg75"]) {
        for (const target of judges) {
          const found = source.includes(target)
            ? 1
            : target === "haar" || channel === "jpeg75"
            ? 4
            : 3;
          const matched = Math.max(0, found - (image === "b.jpg" ? 1 : 0));
          unitRows.push(fixtureRow({
            image,
            attack: "pgd",
            robust: true,
            eps: 8,
            steps: 100,
            source,
            target,
            channel,
            clean_faces: 4,
            matched,
            detection_rate: matched / 4,
            code_version: "fixture",
          }));
        }
      }
      rows.push(...asUnit(unitRows, unit, index++));
    }
  }
  return rows;
}
