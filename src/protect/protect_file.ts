/**
 * Protecting one photo file end to end: read it (orientation applied), run the
 * adversarial layer, write the result atomically in the format its name asks for, and
 * judge the written file with every detector, also after a JPEG q75 re-encode.
 */
import { readImage } from "../image/decode.ts";
import { encodeImage, formatFromPath, jpegRoundTrip, writeFileAtomic } from "../image/encode.ts";
import { decodeImage } from "../image/decode.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { loadDetector } from "../detectors/registry.ts";
import { psnr } from "../metrics/psnr.ts";
import { ssim } from "../metrics/ssim.ts";
import { linf } from "../metrics/perturbation_norms.ts";
import { type PerturbOptions, perturbPhoto } from "./perturb_photo.ts";
import { UserError } from "../errors.ts";

/** Faces each detector finds before and after protection. */
export interface FaceCounts {
  /** On the clean input. */
  clean: number;
  /** On the written output file. */
  protected: number;
  /** On the written output re-encoded as JPEG quality 75. */
  after_jpeg75: number;
}

/** What `protect --json` prints. */
export interface ProtectReport {
  /** Input path. */
  input: string;
  /** Output path. */
  output: string;
  /** Backend that ran. */
  backend: string;
  /** Attack name. */
  attack: string;
  /** Budget. */
  eps: number;
  /** Steps run (early stopping may end sooner). */
  steps_run: number;
  /** Wall-clock seconds for the whole protection, judging included. */
  seconds: number;
  /** PSNR of output vs input, dB. */
  psnr_db: number;
  /** SSIM (RGB mean) of output vs input. */
  ssim: number;
  /** Largest per-channel change, grey levels. */
  linf: number;
  /** Face counts per detector id. */
  detectors: Record<string, FaceCounts>;
}

/** Options for protecting a file. */
export interface ProtectFileOptions extends Omit<PerturbOptions, "outputFormat"> {
  /** Encoder quality for JPEG/WebP outputs (default 95). */
  quality?: number;
  /** Detectors to judge the result with (default: all registered). */
  judges: string[];
  /** Backend name for the report. */
  backend: string;
}

/** Refuses output paths that would overwrite the input or cannot be written, before any work. */
export async function checkOutputPath(input: string, output: string): Promise<void> {
  formatFromPath(output);
  const resolve = async (path: string) => {
    try {
      return await Deno.realPath(path);
    } catch {
      return undefined;
    }
  };
  const inputReal = await resolve(input);
  const outputReal = await resolve(output);
  if (output === input || (inputReal !== undefined && inputReal === outputReal)) {
    throw new UserError(`${output}: output is the input file; refusing to overwrite the original`);
  }
  const slash = output.lastIndexOf("/");
  const dir = slash >= 0 ? output.slice(0, slash) || "/" : ".";
  const probe = `${dir}/.equalais-write-test-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeFile(probe, new Uint8Array(), { createNew: true });
    await Deno.remove(probe);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "folder does not exist" : "not writable";
    throw new UserError(`${output}: cannot write there (${reason})`);
  }
}

/** Counts faces per judge on an image. */
async function countFaces(image: RgbImage, judges: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const id of judges) counts[id] = (await (await loadDetector(id)).detect(image)).length;
  return counts;
}

/** Protects `input` into `output` and reports how well it worked. */
export async function protectFile(
  input: string,
  output: string,
  options: ProtectFileOptions,
): Promise<ProtectReport> {
  const start = performance.now();
  await checkOutputPath(input, output);
  const format = formatFromPath(output);
  const image = await readImage(input);
  const result = await perturbPhoto(image, { ...options, outputFormat: format });
  const bytes = await encodeImage(result.image, format, { quality: options.quality });
  await writeFileAtomic(output, bytes);

  const written = await decodeImage(bytes, { label: output });
  const reencoded = await jpegRoundTrip(written, 75);
  const clean = await countFaces(image, options.judges);
  const onOutput = await countFaces(written, options.judges);
  const afterJpeg = await countFaces(reencoded, options.judges);
  const detectors: Record<string, FaceCounts> = {};
  for (const id of options.judges) {
    detectors[id] = { clean: clean[id], protected: onOutput[id], after_jpeg75: afterJpeg[id] };
  }
  return {
    input,
    output,
    backend: options.backend,
    attack: options.attack,
    eps: options.eps,
    steps_run: result.stepsRun,
    seconds: Math.round((performance.now() - start) / 100) / 10,
    psnr_db: Math.round(psnr(image, written) * 100) / 100,
    ssim: Math.round(ssim(image, written) * 1e4) / 1e4,
    linf: linf(image, written),
    detectors,
  };
}
