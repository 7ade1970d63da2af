/**
 * `deno task protect <input> -o <output> [--preset light|standard|strong|all-families|standard-haar]
 *   [--attack NAME] [--eps 10] [--no-escalation] [--steps 200] [--refine-steps 40]
 *   [--shrink-checks 6] [--region-checks 96] [--no-second-attempt]
 *   [--attacked LIST|all-whitebox|all-families] [--weights W1,W2,...] [--balance off|log|adaptive]
 *   [--robust|--no-robust]
 *   [--no-perturbation] [--no-stego] [--no-badge] [--no-metadata] [--message TEXT]
 *   [--badge-text TEXT] [--badge-position CORNER] [--badge-size 0.05] [--badge-opacity 0.85]
 *   [--seed N] [--quality Q] [--backend B] [--json] [--quiet]`
 *
 * Writes a protected copy of a photo through the multi-layer filter (perturbation, hidden
 * message, visible badge, metadata marks; each can be switched off) and reports faces per
 * judge on the input, on the written file and after JPEG q75, and the layers read back.
 * `--attacked` was once `--detectors`; the old name still works.
 */
import { OUTPUT_QUALITY } from "../protect/defaults.ts";
import { backendLabel, initBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { ATTACK_NAMES, getAttack } from "../attacks/registry.ts";
import { BALANCE_MODES, type BalanceMode, validateWeights } from "../attacks/ensemble_weights.ts";
import { ATTACKABLE_IDS, DETECTOR_IDS, parseDetectorList } from "../detectors/registry.ts";
import { BADGE_DEFAULTS, BADGE_POSITIONS, type BadgePosition } from "../marks/badge.ts";
import { DEFAULT_PRESET_ID, getPreset, presetPerturbOptions, PRESETS } from "../protect/presets.ts";
import { protectFile, type ProtectReport } from "../protect/protect_file.ts";
import { numberFlag, parseFlags, runCli } from "./run_cli.ts";
import { renamedFlag } from "./renamed_flag.ts";

const USAGE = `usage: deno task protect <input> -o <output>
  [--preset ${PRESETS.map((p) => p.id).join("|")}] (default ${DEFAULT_PRESET_ID})
  [--attack ${ATTACK_NAMES.join("|")}] [--eps CEILING] [--no-escalation] [--steps N]
  [--refine-steps N] (0: no visibility refinement; standard and strong: 3N at the ceiling)
  [--shrink-checks N] (0: no boundary search after refinement)
  [--region-checks N] (at the ceiling; 0: no region search after the boundary search)
  [--no-second-attempt] (no finer ladder for a photo whose change shows, SSIM below 0.95)
  [--attacked LIST|all-whitebox|all-families] [--weights W1,W2,...]
  [--balance ${BALANCE_MODES.join("|")}]
  [--robust|--no-robust] [--seed N]
  [--no-perturbation] [--no-stego] [--no-badge] [--no-metadata] [--message TEXT]
  [--badge-text TEXT] [--badge-position ${BADGE_POSITIONS.join("|")}]
  [--badge-size ${BADGE_DEFAULTS.size}] [--badge-opacity ${BADGE_DEFAULTS.opacity}]
  [--quality ${OUTPUT_QUALITY}] [--backend auto|wasm|cpu|webgpu|tensorflow] [--json] [--quiet]`;

/** Switches given as --no-X, which node's parser does not take. */
const NEGATIONS = [
  "robust",
  "escalation",
  "second-attempt",
  "perturbation",
  "stego",
  "badge",
  "metadata",
] as const;

/** Formats the report as a short summary and table for people. */
export function formatProtectReport(report: ProtectReport, attacked: string[]): string {
  const on = Object.entries(report.layers).filter(([, v]) => v).map(([k]) => k);
  const lines = [
    `${report.input} -> ${report.output}`,
    `preset ${report.preset}; layers: ${on.join(", ") || "none"}`,
  ];
  if (report.layers.perturbation) {
    lines.push(
      report.fully_protected
        ? `PROTECTED: no attacked detector (${
          attacked.join(", ")
        }) finds a face on the file or after JPEG q75`
        : `NOT FULLY PROTECTED: an attacked detector still finds a face (see the table and notes)`,
    );
    const tried = report.budget.tried.map((r) => r.eps).join(" -> ");
    lines.push(
      `attack ${report.attack}` +
        (report.balance === "off" ? "" : ` (${report.balance} ensemble weights)`) +
        `, budget ${report.eps} of at most ${report.budget.ceiling} grey levels` +
        (report.budget.tried.length > 1 ? ` (tried ${tried})` : "") +
        `, ${report.steps_run} steps, ${report.seconds} s on ${report.backend}`,
    );
  } else {
    lines.push(`${report.seconds} s on ${report.backend}`);
  }
  lines.push(
    `PSNR ${report.psnr_db} dB, SSIM ${report.ssim}, largest change ${report.linf} grey levels` +
      (report.badge ? " (outside the badge)" : ""),
  );
  if (report.stego) {
    const { output, after_jpeg75 } = report.stego;
    const read = (r: typeof output) =>
      r.message === null ? "none" : `confidence ${r.confidence.toFixed(2)}`;
    lines.push(`hidden message: ${read(output)}; after JPEG q75: ${read(after_jpeg75)}`);
  }
  if (report.layers.metadata) {
    lines.push(`metadata: Data Mining ${report.metadata.dataMining ?? "missing"}`);
  }
  for (const note of report.notes) lines.push(note);
  if (report.removed_metadata.length) {
    lines.push(`removed from the input's metadata: ${report.removed_metadata.join(", ")}`);
  }
  lines.push("", `${"judge".padEnd(26)} input  output  after JPEG q75`);
  for (const [id, c] of Object.entries(report.judges)) {
    const kind = attacked.includes(id) ? " (attacked)" : "";
    lines.push(
      `${(id + kind).padEnd(26)} ${String(c.clean).padStart(5)}  ${
        String(c.protected).padStart(6)
      }  ${String(c.after_jpeg75).padStart(14)}`,
    );
  }
  return lines.join("\n");
}

/**
 * Parses --weights: one number >= 0 per attacked detector, in their order, not all zero.
 * Throws a one-line UserError naming the option.
 */
export function parseWeights(spec: string, attacked: readonly string[]): number[] {
  const parts = spec.split(",").map((s) => s.trim());
  const weights = parts.map(Number);
  const bad = parts.findIndex((p, i) => p === "" || !Number.isFinite(weights[i]));
  if (bad >= 0) throw new UserError(`--weights: "${parts[bad]}" is not a number`);
  if (weights.length !== attacked.length) {
    throw new UserError(
      `--weights gives ${weights.length} numbers for ${attacked.length} attacked detectors (${
        attacked.join(", ")
      })`,
    );
  }
  try {
    validateWeights(attacked.map((id, i) => ({ id, weight: weights[i] })));
  } catch (error) {
    throw new UserError(`--weights: ${(error as Error).message}`);
  }
  return weights;
}

async function main(): Promise<number> {
  const negated = new Set<string>();
  const args = Deno.args.filter((arg) => {
    const name = arg.startsWith("--no-") ? arg.slice(5) : "";
    if ((NEGATIONS as readonly string[]).includes(name)) {
      negated.add(name);
      return false;
    }
    return true;
  });
  const { values, positionals } = parseFlags(args, {
    output: { type: "string", short: "o" },
    preset: { type: "string", default: DEFAULT_PRESET_ID },
    attack: { type: "string" },
    eps: { type: "string" },
    steps: { type: "string" },
    "refine-steps": { type: "string" },
    "shrink-checks": { type: "string" },
    "region-checks": { type: "string" },
    attacked: { type: "string" },
    detectors: { type: "string" }, // the old name of --attacked
    balance: { type: "string" },
    weights: { type: "string" },
    // Robust mode is the default; --robust is accepted so scripts can say so explicitly.
    robust: { type: "boolean", default: false },
    seed: { type: "string" },
    quality: { type: "string" },
    message: { type: "string" },
    "badge-text": { type: "string" },
    "badge-position": { type: "string" },
    "badge-size": { type: "string" },
    "badge-opacity": { type: "string" },
    backend: { type: "string" },
    json: { type: "boolean", default: false },
    quiet: { type: "boolean", short: "q", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UserError(`give exactly one input photo\n${USAGE}`);
  if (!values.output) throw new UserError("no output path given (-o <output>)");
  const input = positionals[0];
  const output = values.output as string;
  const preset = getPreset(values.preset as string);
  const base = presetPerturbOptions(preset);
  const attack = (values.attack as string | undefined) ?? base.attack;
  getAttack(attack);
  const eps = numberFlag(values, "eps", base.eps, { min: -Infinity, max: Infinity });
  if (!(eps > 0 && eps <= 64)) {
    throw new UserError(
      `--eps must be greater than 0 and at most 64 grey levels, got ${values.eps}`,
    );
  }
  const steps = numberFlag(values, "steps", base.steps, { min: 1, max: 10000, integer: true });
  const refineSteps = numberFlag(
    values,
    "refine-steps",
    Number(base.attackOptions?.refineSteps ?? 0),
    { min: 0, max: 10000, integer: true },
  );
  const refineShrinkChecks = numberFlag(
    values,
    "shrink-checks",
    Number(base.attackOptions?.refineShrinkChecks ?? 0),
    { min: 0, max: 20, integer: true },
  );
  const ceilingRegionChecks = numberFlag(
    values,
    "region-checks",
    base.ceilingRegionChecks ?? 0,
    { min: 0, max: 128, integer: true },
  );
  const seed = numberFlag(values, "seed", base.seed, {
    min: 0,
    max: 2 ** 31 - 1,
    integer: true,
  });
  const quality = numberFlag(values, "quality", OUTPUT_QUALITY, {
    min: 1,
    max: 100,
    integer: true,
  });
  const attackedFlag = renamedFlag(values, "protect", { old: "detectors", now: "attacked" });
  const detectors = attackedFlag === undefined ? undefined : parseDetectorList(attackedFlag);
  const blackBox = (detectors ?? []).filter((id) => !ATTACKABLE_IDS.includes(id));
  if (blackBox.length) {
    throw new UserError(
      `--attacked: ${blackBox.join(", ")} cannot be attacked (black-box); white-box ones are ${
        ATTACKABLE_IDS.join(", ")
      }`,
    );
  }
  const weights = values.weights === undefined
    ? undefined
    : parseWeights(values.weights as string, detectors ?? base.detectors);
  const balance = values.balance as string | undefined;
  if (balance !== undefined && !(BALANCE_MODES as readonly string[]).includes(balance)) {
    throw new UserError(`--balance must be one of ${BALANCE_MODES.join(", ")}, got "${balance}"`);
  }
  const badgeSize = numberFlag(values, "badge-size", BADGE_DEFAULTS.size, { min: 0.02, max: 0.2 });
  const badgeOpacity = numberFlag(values, "badge-opacity", BADGE_DEFAULTS.opacity, {
    min: 0.1,
    max: 1,
  });
  const backend = await initBackend(values.backend as string | undefined);
  if (backend.fallbackReason) console.error(`protect: ${backend.fallbackReason}`);

  let lastPrint = 0;
  const report = await protectFile(input, output, {
    ...base,
    attack,
    eps,
    steps,
    seed,
    escalation: negated.has("escalation") ? false : base.escalation,
    ...(negated.has("second-attempt") ? { visibleRetry: false as const } : {}),
    attackOptions: { ...base.attackOptions, refineSteps, refineShrinkChecks },
    ceilingRegionChecks,
    ...(detectors ? { detectors } : {}),
    ...(balance ? { balance: balance as BalanceMode } : {}),
    ...(weights ? { weights } : {}),
    robust: !negated.has("robust"),
    quality,
    preset: preset.id,
    layers: {
      perturbation: !negated.has("perturbation"),
      stego: !negated.has("stego"),
      badge: !negated.has("badge"),
      metadata: !negated.has("metadata"),
    },
    message: values.message as string | undefined,
    badge: {
      text: values["badge-text"] as string | undefined,
      position: values["badge-position"] as BadgePosition | undefined,
      size: badgeSize,
      opacity: badgeOpacity,
    },
    // An attacked surrogate (haar-smooth) is judged too: per-photo success covers it.
    judges: [...new Set([...DETECTOR_IDS, ...(detectors ?? [])])],
    backend: backendLabel(backend),
    onFilterProgress: (progress) => {
      const now = performance.now();
      const stageChange = progress.stage !== "perturb";
      if (values.quiet || (!stageChange && now - lastPrint < 2000)) return;
      lastPrint = now;
      const percent = Math.round(progress.fraction * 100);
      console.error(
        `protect: ${String(percent).padStart(3)}% ${progress.stage}: ${progress.message}`,
      );
    },
  });
  const attacked = report.layers.perturbation ? (detectors ?? base.detectors) : [];
  console.log(values.json ? JSON.stringify(report) : formatProtectReport(report, attacked));
  return 0;
}

if (import.meta.main) await runCli("protect", main);
