/**
 * `deno task metrics <reference> <test> [--json]`: PSNR, SSIM (RGB and luma), L-inf and
 * L2 of the difference, as in scikit-image (see src/metrics/).
 */
import { UserError } from "../errors.ts";
import { readImage } from "../image/decode.ts";
import { imageQuality } from "../metrics/image_quality.ts";
import { parseFlags, runCli } from "./run_cli.ts";

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(Deno.args, {
    json: { type: "boolean", default: false },
  });
  if (positionals.length !== 2) {
    throw new UserError("usage: deno task metrics <reference> <test> [--json]");
  }
  const [a, b] = await Promise.all(positionals.map((p) => readImage(p)));
  if (a.width !== b.width || a.height !== b.height) {
    throw new UserError(
      `the images differ in size (${a.width}x${a.height} vs ${b.width}x${b.height})`,
    );
  }
  const result = imageQuality(a, b);
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(
      `PSNR ${result.psnr_db.toFixed(4)} dB  SSIM ${result.ssim_rgb.toFixed(6)} (luma ${
        result.ssim_luma.toFixed(6)
      })  L-inf ${result.linf}  L2 ${result.l2.toFixed(6)}`,
    );
  }
  return 0;
}

if (import.meta.main) await runCli("metrics", main);
