/**
 * `deno task protect-eval [PHOTO...] [--set samples|dev] [--out DIR] [--preset P]
 *   [--attack A] [--eps CEILING] [--no-escalation] [--steps N] [--budget-map uniform|contrast]
 *   [--perturb JSON] [--format jpeg|png] [--quality Q] [--judges LIST|not-attacked|none]
 *   [--seed N] [--json]`
 *
 * Protects every photo of a set as a person would (the whole filter, one photo at a time)
 * and reports per-photo success against the attacked detectors, pooled face rates, what the
 * detectors it was not made against still see, quality outside the badge and time. Writes one row per photo
 * to DIR/rows.jsonl as it goes, the config and provenance to DIR/run.json first and the
 * summary to DIR/summary.json last; DIR must not hold a previous run.
 */
import { backendLabel, initBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { getAttack } from "../attacks/registry.ts";
import { DETECTOR_IDS, parseDetectorList } from "../detectors/registry.ts";
import { DEV_DIR, PROJECT_ROOT, SAMPLES_DIR } from "../paths.ts";
import { readManifest } from "../verified_files.ts";
import { DEFAULT_PRESET_ID, getPreset, presetPerturbOptions } from "../protect/presets.ts";
import type { PerturbOptions } from "../protect/perturb_photo.ts";
import { OUTPUT_QUALITY } from "../protect/defaults.ts";
import { collectProvenance } from "../experiments/provenance.ts";
import {
  protectAndJudge,
  type ProtectedPhotoRow,
  type ProtectionSummary,
  summarizeProtection,
} from "../evaluation/protect_set.ts";
import { numberFlag, parseFlags, runCli } from "./run_cli.ts";

const SETS: Record<string, string> = { samples: SAMPLES_DIR, dev: DEV_DIR };

/** Formats a summary for people. */
export function formatProtectionSummary(summary: ProtectionSummary): string {
  const pct = (n: number, d: number) => d === 0 ? "-" : `${((100 * n) / d).toFixed(0)}%`;
  const q = summary.quality;
  const lines = [
    `fully protected: ${summary.fully_protected} of ${summary.photos} photos ` +
    `(${pct(summary.fully_protected, summary.photos)}): no attacked detector finds a face ` +
    "on the written file or after JPEG q75",
    "faces still found, pooled (file / after JPEG q75, of faces on the clean photos):",
  ];
  for (const [id, c] of Object.entries(summary.attacked)) {
    lines.push(
      `  ${id} (attacked): ${c.output} / ${c.after_jpeg75} of ${c.clean} ` +
        `(${pct(c.output, c.clean)} / ${pct(c.after_jpeg75, c.clean)})`,
    );
  }
  for (const [id, c] of Object.entries(summary.judges)) {
    lines.push(
      `  ${id} (judge, reference faces): ${c.output} / ${c.after_jpeg75} of ${c.clean} ` +
        `(${pct(c.output, c.clean)} / ${pct(c.after_jpeg75, c.clean)})`,
    );
  }
  lines.push(
    `quality outside the badge: SSIM median ${q.ssim_median.toFixed(3)}, worst ${
      q.ssim_worst.toFixed(3)
    } (${q.photos_below_ssim_095} below 0.95); PSNR median ${q.psnr_median.toFixed(1)} dB, ` +
      `worst ${q.psnr_worst.toFixed(1)} dB; CIEDE2000 mean ${
        q.ciede2000_mean_median.toFixed(2)
      }, 99th percentile ${q.ciede2000_p99_median.toFixed(2)} (medians over photos)`,
    `seconds per photo: median ${summary.seconds.median.toFixed(1)}, longest ${
      summary.seconds.max.toFixed(1)
    }`,
    `budgets used (grey levels: photos): ${
      Object.entries(summary.budgets_used).map(([eps, n]) => `${eps}: ${n}`).join(", ")
    }`,
  );
  return lines.join("\n");
}

async function photosOf(set: string | undefined, positionals: string[]): Promise<string[]> {
  if (set !== undefined && positionals.length > 0) {
    throw new UserError("give photos or --set, not both");
  }
  if (set === undefined) {
    if (positionals.length === 0) {
      throw new UserError("give photos to protect, or --set samples|dev");
    }
    return positionals;
  }
  const dir = SETS[set];
  if (!dir) {
    throw new UserError(`unknown set "${set}"; choose from ${Object.keys(SETS).join(", ")}`);
  }
  const manifest = await readManifest(`${dir}/manifest.json`);
  return manifest.files.map((f) => `${dir}/${f.file}`);
}

async function freshOutDir(out: string): Promise<string> {
  try {
    for await (const _ of Deno.readDir(out)) {
      throw new UserError(`${out} is not empty; results are never overwritten, choose a new --out`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    await Deno.mkdir(out, { recursive: true });
  }
  return out;
}

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(Deno.args, {
    set: { type: "string" },
    out: { type: "string" },
    preset: { type: "string", default: DEFAULT_PRESET_ID },
    attack: { type: "string" },
    eps: { type: "string" },
    steps: { type: "string" },
    "no-escalation": { type: "boolean", default: false },
    "budget-map": { type: "string" },
    perturb: { type: "string" },
    format: { type: "string", default: "jpeg" },
    quality: { type: "string" },
    judges: { type: "string", default: "not-attacked" },
    seed: { type: "string" },
    backend: { type: "string" },
    json: { type: "boolean", default: false },
  });
  const photos = await photosOf(values.set as string | undefined, positionals);
  const preset = getPreset(values.preset as string);
  const base = presetPerturbOptions(preset);
  const perturb: Partial<PerturbOptions> = {};
  if (values.attack !== undefined) perturb.attack = getAttack(values.attack as string).name;
  if (values.eps !== undefined) perturb.eps = numberFlag(values, "eps", 0, { min: 0.5, max: 64 });
  if (values.steps !== undefined) {
    perturb.steps = numberFlag(values, "steps", 0, { min: 1, max: 10000, integer: true });
  }
  if (values["no-escalation"]) perturb.escalation = false;
  if (values["budget-map"] !== undefined) {
    const map = values["budget-map"] as string;
    if (map !== "uniform" && map !== "contrast") {
      throw new UserError(`--budget-map must be uniform or contrast, got "${map}"`);
    }
    perturb.budgetMap = map;
  }
  if (values.perturb !== undefined) {
    // Any perturbation setting, for experiments (e.g. {"escalation": false}); null means the
    // preset's value.
    let extra: unknown;
    try {
      extra = JSON.parse(values.perturb as string);
    } catch {
      extra = undefined;
    }
    if (typeof extra !== "object" || extra === null || Array.isArray(extra)) {
      throw new UserError(`--perturb must be a JSON object, got ${values.perturb}`);
    }
    for (const [key, value] of Object.entries(extra)) {
      (perturb as Record<string, unknown>)[key] = value === null ? undefined : value;
    }
    // Attack options merge over the preset's, so a variant names only what it changes.
    const options = (extra as Record<string, unknown>).attackOptions;
    if (typeof options === "object" && options !== null && !Array.isArray(options)) {
      perturb.attackOptions = { ...base.attackOptions, ...options } as Record<string, number>;
    }
  }
  const seed = numberFlag(values, "seed", base.seed, { min: 0, max: 2 ** 31 - 1, integer: true });
  const format = values.format as string;
  const quality = numberFlag(values, "quality", OUTPUT_QUALITY, {
    min: 1,
    max: 100,
    integer: true,
  });
  if (format !== "jpeg" && format !== "png" && format !== "webp") {
    throw new UserError(`--format must be jpeg, png or webp, got "${format}"`);
  }
  // The attacked detectors are judged by the protection itself (its faces per detector);
  // the judges are the others: what a detector the protection was not made against sees.
  const attacked = perturb.detectors ?? base.detectors;
  const judges = values.judges === "none"
    ? []
    : (values.judges === "not-attacked"
      ? [...DETECTOR_IDS]
      : parseDetectorList(values.judges as string)).filter((id) => !attacked.includes(id));
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const out = await freshOutDir(
    (values.out as string | undefined) ??
      `${PROJECT_ROOT}/results/protection/${values.set ?? "photos"}-${preset.id}-${stamp}`,
  );
  const backend = await initBackend(values.backend as string | undefined);
  if (backend.fallbackReason) console.error(`protect-eval: ${backend.fallbackReason}`);
  const settings = { ...base, ...perturb, seed };
  const { onProgress: _, finish: __, signal: ___, ...config } = settings;
  const provenance = await collectProvenance(backendLabel(backend));
  await Deno.writeTextFile(
    `${out}/run.json`,
    JSON.stringify(
      { photos, preset: preset.id, format, quality, judges, config, provenance },
      null,
      2,
    ) +
      "\n",
  );
  console.error(`protect-eval: ${photos.length} photos, preset ${preset.id}; rows in ${out}`);
  const rows: ProtectedPhotoRow[] = [];
  for (const [i, photo] of photos.entries()) {
    const name = photo.split("/").pop();
    let lastPrint = performance.now();
    // Rows name photos of the project relative to it, so they read the same on any machine.
    const label = photo.startsWith(`${PROJECT_ROOT}/`)
      ? photo.slice(PROJECT_ROOT.length + 1)
      : photo;
    const row = await protectAndJudge(
      photo,
      {
        preset: preset.id,
        perturb: { ...perturb, seed },
        format,
        quality,
        seed,
        onProgress: ({ message }) => {
          if (performance.now() - lastPrint < 10_000) return;
          lastPrint = performance.now();
          console.error(`protect-eval: [${i + 1}/${photos.length}] ${name}: ${message}`);
        },
      },
      judges,
      label,
    );
    rows.push(row);
    await Deno.writeTextFile(`${out}/rows.jsonl`, JSON.stringify(row) + "\n", { append: true });
    console.error(
      `protect-eval: [${i + 1}/${photos.length}] ${name} ${row.width}x${row.height}: ` +
        `${row.fully_protected ? "protected" : "NOT protected"} at eps ${row.budget.used}, ` +
        `${row.steps_run} steps, ${row.seconds} s, SSIM ${row.ssim}, PSNR ${row.psnr_db} dB`,
    );
  }
  const summary = summarizeProtection(rows);
  await Deno.writeTextFile(`${out}/summary.json`, JSON.stringify(summary, null, 2) + "\n");
  console.log(values.json ? JSON.stringify(summary) : formatProtectionSummary(summary));
  return 0;
}

if (import.meta.main) await runCli("protect-eval", main);
