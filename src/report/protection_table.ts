/**
 * The report's per-photo protection table, computed only from stored `protect-eval` rows:
 * per setting, photos fully protected (the headline), faces the attacked detectors still find
 * (pooled), what the black-box judges still find, quality outside the badge and time.
 */
import { type ProtectedPhotoRow, summarizeProtection } from "../evaluation/protect_set.ts";

function percent(part: number, whole: number): string {
  return whole === 0 ? "–" : `${Math.round((100 * part) / whole)}%`;
}

/** One line per setting label, in the order given, as a Markdown table. */
export function protectionTable(runs: Readonly<Record<string, ProtectedPhotoRow[]>>): string {
  const labels = Object.keys(runs);
  if (labels.length === 0) return "(no protection runs)";
  const lines = labels.map((label) => {
    const s = summarizeProtection(runs[label]);
    const attacked = Object.values(s.attacked);
    const clean = attacked.reduce((t, c) => t + c.clean, 0);
    const out = attacked.reduce((t, c) => t + c.output, 0);
    const q75 = attacked.reduce((t, c) => t + c.after_jpeg75, 0);
    const judges = Object.entries(s.judges).map(([id, c]) =>
      `${id} ${percent(c.output, c.clean)}/${percent(c.after_jpeg75, c.clean)}`
    ).join(", ") || "not judged";
    const q = s.quality;
    return [
      label,
      `${s.fully_protected} of ${s.photos}`,
      `${out} / ${q75} of ${clean}`,
      judges,
      q.ssim_median.toFixed(3),
      q.ssim_worst.toFixed(3),
      q.psnr_median.toFixed(1),
      `${q.ciede2000_mean_median.toFixed(2)} / ${q.ciede2000_p99_median.toFixed(2)}`,
      s.seconds.median.toFixed(1),
    ];
  });
  const header = [
    "setting",
    "photos fully protected",
    "faces left, file / q75",
    "judges: faces found, file/q75",
    "median SSIM",
    "worst SSIM",
    "median PSNR dB",
    "CIEDE2000 mean / p99",
    "median s",
  ];
  const rule = header.map((_h, i) => (i === 0 ? "---" : "---:"));
  return [header, rule, ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}
