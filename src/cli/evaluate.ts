/**
 * `deno task evaluate --clean <img> --protected <img> [--channels LIST] [--judges LIST|all] [--json]`
 *
 * Image quality of the protected photo and, for every judge and channel, how many of the
 * clean photo's reference faces each judge still finds. `--judges` was once `--detectors`;
 * the old name still works.
 */
import { backendLabel, initBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { readImage } from "../image/decode.ts";
import { parseChannel } from "../image/channels.ts";
import { parseDetectorList } from "../detectors/registry.ts";
import { evaluatePair, type PairEvaluation } from "../evaluation/evaluate_pair.ts";
import { parseFlags, runCli } from "./run_cli.ts";
import { renamedFlag } from "./renamed_flag.ts";

/** Formats an evaluation as a table for people. */
export function formatEvaluation(e: PairEvaluation): string {
  const lines = [
    `PSNR ${e.psnr_db.toFixed(2)} dB, SSIM ${e.ssim_rgb.toFixed(4)} (luma ${
      e.ssim_luma.toFixed(4)
    }), ` +
    `L-inf ${e.linf}, L2 ${e.l2.toFixed(3)}; ${e.reference_faces} reference faces`,
    "judge            channel               clean  protected  matched  detection rate",
  ];
  for (const r of e.results) {
    const rate = r.detection_rate === null ? "-" : r.detection_rate.toFixed(2);
    lines.push(
      `${r.detector.padEnd(16)} ${r.channel.padEnd(20)} ${String(r.clean_faces).padStart(6)}  ${
        String(r.protected_faces).padStart(9)
      }  ${String(r.matched).padStart(7)}  ${rate.padStart(14)}`,
    );
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(Deno.args, {
    clean: { type: "string" },
    protected: { type: "string" },
    channels: { type: "string", default: "identity,jpeg75" },
    judges: { type: "string" },
    detectors: { type: "string" }, // the old name of --judges
    backend: { type: "string" },
    json: { type: "boolean", default: false },
  });
  if (positionals.length) throw new UserError(`unexpected argument "${positionals[0]}"`);
  if (!values.clean || !values.protected) {
    throw new UserError("give both --clean <image> and --protected <image>");
  }
  const channels = (values.channels as string).split(",").map((c) => c.trim()).filter(Boolean);
  if (channels.length === 0) throw new UserError("--channels is empty");
  channels.forEach(parseChannel);
  const judges = parseDetectorList(
    renamedFlag(values, "evaluate", { old: "detectors", now: "judges" }) ?? "all",
  );
  const backend = await initBackend(values.backend as string | undefined);
  if (backend.fallbackReason) console.error(`evaluate: ${backend.fallbackReason}`);
  const clean = await readImage(values.clean as string);
  const protectedImage = await readImage(values.protected as string);
  if (clean.width !== protectedImage.width || clean.height !== protectedImage.height) {
    throw new UserError(
      `the images differ in size (${clean.width}x${clean.height} vs ${protectedImage.width}x${protectedImage.height})`,
    );
  }
  const evaluation = await evaluatePair(clean, protectedImage, channels, judges);
  console.log(
    values.json
      ? JSON.stringify({ ...evaluation, backend: backendLabel(backend) })
      : formatEvaluation(evaluation),
  );
  return 0;
}

if (import.meta.main) await runCli("evaluate", main);
