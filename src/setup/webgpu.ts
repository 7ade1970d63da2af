/**
 * System libraries for Deno's WebGPU (the `webgpu` backend). Deno's wgpu reaches GPUs
 * through Vulkan (NVIDIA, AMD, Intel: the Vulkan loader plus the vendor's driver) and,
 * where there is none, Mesa through EGL, whose llvmpipe renderer is a real but software
 * adapter (what CI tests on). A bare Debian machine has neither loader: set-up installs
 * Mesa's EGL and DRI drivers and the Vulkan loader as root, then checks in a fresh
 * process that WebGPU finds an adapter. `auto` never picks the software one.
 */
import { aptInstall, hasAptGet } from "./setup.ts";

/** Debian packages and a file each installs, to tell whether it is present. */
const LIBRARIES: { debian: string; file: string }[] = [
  { debian: "libegl1", file: "libEGL.so.1" },
  { debian: "libegl-mesa0", file: "libEGL_mesa.so.0" },
  { debian: "libgl1-mesa-dri", file: "dri/swrast_dri.so" },
  { debian: "libvulkan1", file: "libvulkan.so.1" },
];

function libraryDirs(): string[] {
  const triplet = Deno.build.arch === "aarch64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
  return [`/usr/lib/${triplet}`, `/lib/${triplet}`, "/usr/lib64", "/usr/lib"];
}

function present(file: string): boolean {
  return libraryDirs().some((dir) => {
    try {
      return Deno.statSync(`${dir}/${file}`).isFile;
    } catch {
      return false;
    }
  });
}

/** The adapter WebGPU finds in a new process (libraries installed meanwhile are seen). */
async function adapterInFreshProcess(): Promise<string | undefined> {
  const { success, stdout } = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "const a = await navigator.gpu?.requestAdapter(); console.log(a ? a.info.description || a.info.vendor || 'unnamed' : '');",
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const name = new TextDecoder().decode(stdout).trim();
  return success && name ? name : undefined;
}

/**
 * Makes sure Deno's WebGPU has its loaders. As root with apt-get it installs what is
 * missing and fails if WebGPU still finds no adapter; otherwise it says how (webgpu is
 * optional: wasm runs without it).
 */
export async function ensureWebgpuLibraries(): Promise<void> {
  if (Deno.build.os !== "linux") return;
  const missing = LIBRARIES.filter((lib) => !present(lib.file)).map((lib) => lib.debian);
  if (missing.length === 0) {
    console.error("setup: WebGPU: EGL, Mesa and the Vulkan loader present");
    return;
  }
  const command = `apt-get install -y --no-install-recommends ${missing.join(" ")}`;
  if (Deno.uid() !== 0 || !(await hasAptGet())) {
    console.error(
      `setup: WebGPU: ${missing.join(", ")} missing; as root run \`${command}\` ` +
        "(only the webgpu backend needs them)",
    );
    return;
  }
  await aptInstall(missing);
  const adapter = await adapterInFreshProcess();
  if (!adapter) {
    throw new Error(`installed ${missing.join(", ")}, but WebGPU still finds no adapter`);
  }
  console.error(`setup: WebGPU: installed ${missing.join(", ")}; adapter: ${adapter}`);
}
