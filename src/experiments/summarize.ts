/**
 * Summaries of a sweep's rows: the transfer matrix (attacked source sets x judges, mean
 * detection rate per channel) and a table per attack and eps of the share of photos fully
 * protected (the headline: no attacked detector finds a face on the photo nor after JPEG
 * q75) beside mean PSNR/SSIM.
 */
import type { StoredRow } from "./row_store.ts";
import { attackLabel } from "./attack_label.ts";

/** One cell of the transfer matrix. */
export interface TransferCell {
  /** Source set, joined with "+". */
  source: string;
  /** Judge (the rows' `target` field). */
  target: string;
  /** Channel. */
  channel: string;
  /** Mean detection rate over images, attacks, eps and seeds at the largest step count. */
  detection_rate: number;
  /** Rows averaged. */
  n: number;
  /** True when the judge is outside the source set (a transfer claim). */
  transfer: boolean;
}

/** One line of the quality table. */
export interface QualityLine {
  /** Attack label ("pgd", "pgd+robust"). */
  attack: string;
  /** Budget. */
  eps: number;
  /** Mean PSNR, dB. */
  psnr_db: number;
  /** Mean RGB SSIM. */
  ssim_rgb: number;
  /**
   * Share of runs (photo x source set x seed) whose photo no attacked detector finds a face
   * on, nor after JPEG q75 where the sweep has that channel.
   */
  fully_protected: number;
  /** Units averaged. */
  n: number;
}

/**
 * Whether a unit's rows (at one step count) show the photo fully protected: every attacked
 * detector (a source) finds no face at all on the identity and jpeg75 channels.
 */
export function unitFullyProtected(rows: StoredRow[]): boolean {
  const judged = rows.filter((r) =>
    (r.source as string[]).includes(r.target as string) &&
    (r.channel === "identity" || r.channel === "jpeg75")
  );
  return judged.length > 0 && judged.every((r) => r.protected_faces === 0);
}

/** The whole summary. */
export interface SweepSummary {
  /** Transfer matrix cells. */
  transfer: TransferCell[];
  /** Quality table. */
  quality: QualityLine[];
  /** Units that failed, with reasons. */
  failures: { image: string; error: string }[];
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Summarises rows (only rows at each unit's largest step count enter the matrix). */
export function summarize(rows: StoredRow[]): SweepSummary {
  const ok = rows.filter((r) => !r.error);
  const maxSteps = Math.max(...ok.map((r) => r.steps as number));
  const final = ok.filter((r) => r.steps === maxSteps);
  const cells = new Map<string, { rates: number[]; row: StoredRow }>();
  for (const r of final) {
    if (r.detection_rate === null) continue;
    const key = JSON.stringify([r.source, r.target, r.channel]);
    const cell = cells.get(key) ?? { rates: [], row: r };
    cell.rates.push(r.detection_rate as number);
    cells.set(key, cell);
  }
  const transfer = [...cells.values()].map(({ rates, row }) => ({
    source: (row.source as string[]).join("+"),
    target: row.target as string,
    channel: row.channel as string,
    detection_rate: mean(rates),
    n: rates.length,
    transfer: !(row.source as string[]).includes(row.target as string),
  }));
  const perUnit = new Map<string, StoredRow[]>();
  for (const r of final) {
    const rows = perUnit.get(r.unit);
    if (rows) rows.push(r);
    else perUnit.set(r.unit, [r]);
  }
  const quality = new Map<
    string,
    { psnr: number[]; ssim: number[]; protected: number[]; attack: string; eps: number }
  >();
  for (const unitRows of perUnit.values()) {
    const r = unitRows[0];
    const attack = attackLabel(r);
    const key = `${attack}|${r.eps}`;
    const q = quality.get(key) ??
      { psnr: [], ssim: [], protected: [], attack, eps: r.eps as number };
    q.psnr.push(r.psnr_db as number);
    q.ssim.push(r.ssim_rgb as number);
    q.protected.push(unitFullyProtected(unitRows) ? 1 : 0);
    quality.set(key, q);
  }
  return {
    transfer,
    quality: [...quality.values()].map((q) => ({
      attack: q.attack,
      eps: q.eps,
      psnr_db: mean(q.psnr),
      ssim_rgb: mean(q.ssim),
      fully_protected: mean(q.protected),
      n: q.psnr.length,
    })),
    failures: rows.filter((r) => r.error).map((r) => ({
      image: r.image as string,
      error: r.error as string,
    })),
  };
}

/** Formats the summary as text tables: one transfer matrix per channel, then quality. */
export function formatSummary(summary: SweepSummary): string {
  const out: string[] = [];
  const channels = [...new Set(summary.transfer.map((c) => c.channel))];
  const sources = [...new Set(summary.transfer.map((c) => c.source))];
  const judges = [...new Set(summary.transfer.map((c) => c.target))];
  const corner = "attacked \\ judge";
  for (const channel of channels) {
    out.push(
      `mean detection rate, channel ${channel} (rows: attacked sets; columns: judges; ` +
        "* = a judge the row did not attack, a transfer)",
    );
    const width = Math.max(corner.length, ...sources.map((s) => s.length));
    out.push([corner.padEnd(width), ...judges.map((t) => t.padStart(16))].join(" "));
    for (const source of sources) {
      const cells = judges.map((t) => {
        const c = summary.transfer.find((x) =>
          x.channel === channel && x.source === source && x.target === t
        );
        return (c ? `${c.detection_rate.toFixed(2)}${c.transfer ? "*" : " "}` : "-").padStart(16);
      });
      out.push([source.padEnd(width), ...cells].join(" "));
    }
    out.push("");
  }
  out.push("attack        eps  photos fully protected   PSNR dB   SSIM    n");
  for (const q of summary.quality) {
    out.push(
      `${q.attack.padEnd(12)} ${String(q.eps).padStart(4)}  ${
        `${Math.round(q.fully_protected * q.n)} of ${q.n}`.padStart(22)
      }  ${q.psnr_db.toFixed(2).padStart(8)}  ${q.ssim_rgb.toFixed(4)}  ${String(q.n).padStart(3)}`,
    );
  }
  for (const f of summary.failures) out.push(`failed: ${f.image}: ${f.error}`);
  return out.join("\n");
}
