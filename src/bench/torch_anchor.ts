/**
 * The PyTorch anchor, run in the same process tree and the same run: the white-box
 * detectors re-executed in PyTorch with the same weights (src/bench/anchor/torch_graph.py:
 * the BlazeFace and FaceBoxes graphs, face-api's SSD and Tiny networks), timing the same
 * PGD step. Unavailable anchors are reported, not fatal.
 */
import { MODELS_DIR, PROJECT_ROOT } from "../paths.ts";

/** Interpreter that has Debian's python3-torch; override with EQUALAIS_TORCH_PYTHON. */
export function torchPython(): string {
  return Deno.env.get("EQUALAIS_TORCH_PYTHON") ?? "/usr/bin/python3";
}

const SCRIPT = `${PROJECT_ROOT}/src/bench/anchor/torch_graph.py`;

/** What the anchor differentiates, in words for the report. */
export const ANCHOR_LOSS = "sum of sigmoid(face logits)";
/** The anchor's seed for its random inputs (torch.manual_seed in torch_graph.py). */
export const ANCHOR_SEED = 0;

/**
 * OpenMP's wait policy for the anchor's threads: PASSIVE (sleep at a barrier) unless the
 * environment sets OMP_WAIT_POLICY. With the default (spinning), PyTorch's two threads on a
 * shared 2-core machine under load 4 took 373-445 ms per blazeface-front step against
 * 36-42 ms passive (and 1.6-2.1 s against 0.73 s for face-api's SSD), which made ratios
 * measure the machine's load rather than the code.
 */
export function anchorWaitPolicy(): string {
  return Deno.env.get("OMP_WAIT_POLICY") ?? "PASSIVE";
}

/** Runs the anchor script with arguments; returns its JSON line or the reason it failed. */
export async function runAnchor(
  args: string[],
): Promise<{ ok: true; value: Record<string, number> } | { ok: false; reason: string }> {
  // (Values are numbers but for "engine", a string such as "torch 1.13.0a0 cpu".)
  try {
    const out = await new Deno.Command(torchPython(), {
      args: [SCRIPT, MODELS_DIR, ...args],
      env: { OMP_WAIT_POLICY: anchorWaitPolicy() },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout).trim();
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "";
      return { ok: false, reason: err || `exit code ${out.code}` };
    }
    return { ok: true, value: JSON.parse(stdout.split("\n").at(-1)!) };
  } catch (error) {
    return {
      ok: false,
      reason: `${torchPython()} cannot be run (${(error as Error).message.split("\n")[0]})`,
    };
  }
}

/**
 * Image-steps per second of the anchor for a model and batch on "cpu" (2 threads, the
 * default) or "cuda": the median of `repetitions` timings of `steps` steps, as ours is
 * measured, at input `size` where given (the anchor refuses another model's size), after
 * `warmup` untimed steps; or the reason it is unavailable.
 */
export async function anchorSpeed(
  model: string,
  batch: number,
  steps: number,
  device: "cpu" | "cuda" = "cpu",
  repetitions = 1,
  size?: number,
  warmup = 3,
): Promise<{ image_steps_per_s: number; engine: string } | { unavailable: string }> {
  const result = await runAnchor([
    model,
    "--warmup",
    String(warmup),
    ...(size === undefined ? [] : ["--size", String(size)]),
    "--batch",
    String(batch),
    "--threads",
    "2",
    "--steps",
    String(steps),
    "--repetitions",
    String(repetitions),
    ...(device === "cuda" ? ["--device", "cuda"] : []),
  ]);
  return result.ok
    ? {
      image_steps_per_s: result.value.image_steps_per_s,
      engine: String(result.value.engine),
    }
    : { unavailable: result.reason };
}

/** Forward MFLOP of a model per image (from the anchor's --flops), or undefined. */
export async function anchorForwardMflop(
  model: string,
  size?: number,
): Promise<number | undefined> {
  const result = await runAnchor([
    model,
    "--flops",
    ...(size === undefined ? [] : ["--size", String(size)]),
  ]);
  return result.ok ? result.value.forward_mflop : undefined;
}

/** Whether the anchor's PyTorch has a CUDA GPU: true, or the reason it has none. */
export async function cudaAvailable(): Promise<true | string> {
  try {
    const out = await new Deno.Command(torchPython(), {
      args: ["-c", "import torch; print(torch.cuda.is_available(), torch.__version__)"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) return "PyTorch cannot be imported";
    const [available, version] = new TextDecoder().decode(out.stdout).trim().split(" ");
    return available === "True" ? true : `PyTorch ${version} sees no CUDA GPU`;
  } catch (error) {
    return `${torchPython()} cannot be run (${(error as Error).message.split("\n")[0]})`;
  }
}
