/**
 * `deno task protect <input> -o <output> [--attack NAME] [--eps 10] [--steps 150]
 *   [--detectors LIST|all-whitebox] [--robust|--no-robust] [--seed N] [--quality Q]
 *   [--backend B] [--json]`
 *
 * Writes a copy of a photo that face detectors should not find faces in, and reports
 * faces per detector on the input, on the written file, and after JPEG q75.
 */
import { initBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { ATTACK_NAMES, getAttack } from "../attacks/registry.ts";
import {
  DEFAULT_SOURCE_IDS,
  DETECTOR_IDS,
  parseDetectorList,
  WHITEBOX_IDS,
} from "../detectors/registry.ts";
import { PROTECT_DEFAULTS } from "../protect/defaults.ts";
import { protectFile, type ProtectReport } from "../protect/protect_file.ts";
import { numberFlag, parseFlags, runCli } from "./run_cli.ts";

const USAGE = `usage: deno task protect <input> -o <output> [--attack ${ATTACK_NAMES.join("|")}]
  [--eps ${PROTECT_DEFAULTS.eps}] [--steps ${PROTECT_DEFAULTS.steps}] [--detectors LIST|all-whitebox]
  [--robust|--no-robust] [--seed N] [--quality 95] [--backend wasm|cpu|tensorflow] [--json]`;

/** Formats the report as a short table for people. */
export function formatProtectReport(report: ProtectReport, attacked: string[]): string {
  const lines = [
    `${report.input} -> ${report.output}`,
    `attack ${report.attack}, eps ${report.eps}, ${report.steps_run} steps, ${report.seconds} s on ${report.backend}`,
    `PSNR ${report.psnr_db} dB, SSIM ${report.ssim}, largest change ${report.linf} grey levels`,
    "",
    "detector         input  output  after JPEG q75",
  ];
  for (const [id, c] of Object.entries(report.detectors)) {
    const kind = attacked.includes(id) ? "" : " (judge)";
    lines.push(
      `${(id + kind).padEnd(16)} ${String(c.clean).padStart(5)}  ${
        String(c.protected).padStart(6)
      }  ${String(c.after_jpeg75).padStart(14)}`,
    );
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  const args = [...Deno.args];
  const noRobust = args.includes("--no-robust");
  const { values, positionals } = parseFlags(args.filter((a) => a !== "--no-robust"), {
    output: { type: "string", short: "o" },
    attack: { type: "string", default: PROTECT_DEFAULTS.attack },
    eps: { type: "string" },
    steps: { type: "string" },
    detectors: { type: "string", default: DEFAULT_SOURCE_IDS.join(",") },
    // Robust mode is the default; --robust is accepted so scripts can say so explicitly.
    robust: { type: "boolean", default: false },
    seed: { type: "string" },
    quality: { type: "string" },
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
  getAttack(values.attack as string);
  const eps = numberFlag(values, "eps", PROTECT_DEFAULTS.eps, { min: -Infinity, max: Infinity });
  if (!(eps > 0 && eps <= 64)) {
    throw new UserError(
      `--eps must be greater than 0 and at most 64 grey levels, got ${values.eps}`,
    );
  }
  const steps = numberFlag(values, "steps", PROTECT_DEFAULTS.steps, {
    min: 1,
    max: 10000,
    integer: true,
  });
  const seed = numberFlag(values, "seed", PROTECT_DEFAULTS.seed, {
    min: 0,
    max: 2 ** 31 - 1,
    integer: true,
  });
  const quality = numberFlag(values, "quality", 95, { min: 1, max: 100, integer: true });
  const detectors = parseDetectorList(values.detectors as string);
  const blackBox = detectors.filter((id) => !WHITEBOX_IDS.includes(id));
  if (blackBox.length) {
    throw new UserError(
      `--detectors: ${blackBox.join(", ")} cannot be attacked (black-box); white-box ones are ${
        WHITEBOX_IDS.join(", ")
      }`,
    );
  }
  const backend = await initBackend(values.backend as string | undefined);
  if (backend.fallbackReason) console.error(`protect: ${backend.fallbackReason}`);

  let lastPrint = 0;
  const report = await protectFile(input, output, {
    attack: values.attack as string,
    eps,
    steps,
    detectors,
    robust: !noRobust,
    seed,
    quality,
    stepSize: PROTECT_DEFAULTS.stepSize,
    variableSide: PROTECT_DEFAULTS.variableSide,
    faceMask: PROTECT_DEFAULTS.faceMask,
    eot: PROTECT_DEFAULTS.eot,
    judges: [...DETECTOR_IDS],
    backend: backend.name,
    onProgress: (step, loss, facesLeft) => {
      const now = performance.now();
      if (values.quiet || (now - lastPrint < 2000 && step !== steps)) return;
      lastPrint = now;
      const faces = facesLeft < 0 ? "not checked yet" : `${facesLeft} faces still found`;
      console.error(`protect: step ${step}/${steps}, loss ${loss.toFixed(2)}, ${faces}`);
    },
  });
  console.log(values.json ? JSON.stringify(report) : formatProtectReport(report, detectors));
  return 0;
}

if (import.meta.main) await runCli("protect", main);
