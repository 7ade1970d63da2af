/**
 * System libraries for Deno's WebGPU (the `webgpu` backend). Deno's wgpu reaches GPUs
 * through Vulkan (NVIDIA, AMD, Intel: the Vulkan loader plus the vendor's driver) and,
 * where there is none, Mesa through EGL, whose llvmpipe renderer is a real but software
 * adapter (what CI tests on). A bare Debian machine has neither loader: set-up installs
 * Mesa's EGL and DRI drivers and the Vulkan loader as root. Every run it then asks WebGPU
 * for an adapter in a fresh process and records the answer for the tests: with an adapter
 * recorded, the webgpu tests fail instead of skipping if it disappears. As root with apt-get
 * (where set-up is in charge of the libraries) no adapter is an error. `auto` never picks
 * the software adapter.
 */
import { aptInstall, hasAptGet } from "./apt.ts";
import { type AdapterProbe, probeInChild } from "../gpu/adapter.ts";
import {
  removeWebgpuMarker,
  type WebgpuSetupMarker,
  writeWebgpuMarker,
} from "../gpu/webgpu_setup_marker.ts";

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

/** What the WebGPU set-up step reads and changes on the machine (replaced in its test). */
export interface WebgpuSetupSystem {
  /** Debian packages of the loaders that are missing (none off Linux). */
  missingLibraries(): string[];
  /** Whether set-up may install Debian packages: root, with apt-get, on Linux. */
  canInstall(): Promise<boolean>;
  /** Installs Debian packages. */
  install(packages: string[]): Promise<void>;
  /** Asks WebGPU for an adapter in a new process. */
  probe(): Promise<AdapterProbe>;
  /** This machine's host name. */
  host(): string;
  /** Records the adapter for the tests. */
  writeMarker(marker: WebgpuSetupMarker): Promise<void>;
  /** Removes the record. */
  removeMarker(): Promise<void>;
  /** Prints a line of set-up's progress. */
  log(line: string): void;
}

/** The real machine. */
export const MACHINE: WebgpuSetupSystem = {
  missingLibraries: () =>
    Deno.build.os === "linux"
      ? LIBRARIES.filter((lib) => !present(lib.file)).map((lib) => lib.debian)
      : [],
  canInstall: async () => Deno.build.os === "linux" && Deno.uid() === 0 && await hasAptGet(),
  install: aptInstall,
  probe: probeInChild,
  host: () => Deno.hostname(),
  writeMarker: (marker) => writeWebgpuMarker(marker),
  removeMarker: () => removeWebgpuMarker(),
  log: (line) => console.error(line),
};

/**
 * Makes sure Deno's WebGPU has its loaders and finds an adapter, and records what it found.
 * As root with apt-get it installs what is missing and fails if WebGPU then finds no adapter;
 * otherwise it says how to install them (webgpu is optional: wasm runs without it) and the
 * webgpu tests are skipped, saying why.
 */
export async function ensureWebgpuLibraries(system: WebgpuSetupSystem = MACHINE): Promise<void> {
  const missing = system.missingLibraries();
  const canInstall = await system.canInstall();
  if (missing.length > 0 && canInstall) await system.install(missing);
  const installed = missing.length > 0 && canInstall ? `installed ${missing.join(", ")}; ` : "";
  const probe = await system.probe();
  if ("found" in probe) {
    const { name, software } = probe.found;
    await system.writeMarker({
      adapter: name,
      software,
      host: system.host(),
      checked: new Date().toISOString(),
    });
    system.log(
      `setup: WebGPU: ${installed}adapter ${name} (${software ? "software" : "hardware"}); ` +
        "the webgpu tests run here, and fail if it disappears",
    );
    return;
  }
  await system.removeMarker();
  if (canInstall) {
    const what = missing.length > 0
      ? `installed ${missing.join(", ")}`
      : "EGL, Mesa and the Vulkan loader are present";
    throw new Error(`WebGPU: ${what}, but ${probe.unavailable}`);
  }
  const advice = missing.length > 0
    ? `${missing.join(", ")} missing; as root run \`apt-get install -y ` +
      `--no-install-recommends ${missing.join(" ")}\` (only the webgpu backend needs them)`
    : "not root with apt-get, so set-up cannot install drivers";
  system.log(`setup: WebGPU: ${probe.unavailable}; ${advice}; the webgpu tests will be skipped`);
}
