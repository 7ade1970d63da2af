/**
 * tfjs's threaded SIMD wasm build under Deno: XNNPACK's convolutions and matrix
 * products split over several threads inside one tfjs instance, so a single image (which
 * cannot be split over gradient workers) uses more than one core.
 *
 * tfjs 4.22 never starts this build outside a browser: its feature flag says no threads
 * whenever it sees Node (Deno looks like Node), Emscripten's loader then wants Node's
 * `worker_threads` with classic scripts (Deno runs only module workers), and the C++ side
 * caps the pool at half of `navigator.hardwareConcurrency` (one thread on two cores).
 * Here the loader is evaluated with Node's globals hidden, its workers are module workers
 * that host Emscripten's worker script (`pthread_worker.ts`), the logical core count it
 * sees is twice the threads asked for, and its pre-spawned pool has one worker per extra
 * thread instead of eight.
 */
import * as tf from "@tensorflow/tfjs";
import { BackendWasm, getThreadsCount, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { UserError } from "../errors.ts";
import { NODE_MODULES } from "../paths.ts";

/** Most intra-op threads accepted (tfjs's C++ side caps its pool at 8). */
export const MAX_WASM_THREADS = 8;

const PACKAGE_DIR = `${NODE_MODULES}/@tensorflow/tfjs-backend-wasm`;
// The one line of Emscripten's loader that sizes the pre-spawned worker pool.
const POOL_SIZE_SOURCE = "var pthreadPoolSize=8;";
// tfjs registers wasm with this priority; kept so `auto` orders backends as before.
const WASM_PRIORITY = 2;

/** The message the worker shim expects first: the two classic scripts it evaluates. */
export interface PthreadShimStart {
  /** Marks the message as the shim's own. */
  equalaisPthreadShim: true;
  /** Emscripten's pthread worker script (tfjs's `wasmWorkerContents`). */
  workerSource: string;
  /** The threaded loader, which the worker script "imports" by name. */
  loaderSource: string;
}

let registeredThreads: number | undefined;

/** Checks an intra-op thread count; throws a UserError naming where it came from. */
export function parseWasmThreads(value: string | number, source: string): number {
  const threads = Number(value);
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_WASM_THREADS)) {
    throw new UserError(
      `${source} must be a whole number from 1 to ${MAX_WASM_THREADS}, got "${value}"`,
    );
  }
  return threads;
}

/**
 * Makes the `wasm` backend, when it next starts, load tfjs's threaded SIMD build with
 * `threads` XNNPACK threads. Call before the wasm backend first starts; a UserError if
 * it already runs with another count.
 */
export async function useThreadedWasm(threads: number): Promise<void> {
  parseWasmThreads(threads, "wasm threads");
  if (registeredThreads === threads) return;
  if (tf.engine().registry["wasm"] !== undefined) {
    throw new UserError(
      `the wasm backend already runs with ${wasmThreadsCount()} thread(s); choose wasm threads before it starts`,
    );
  }
  const loaderSource = await loaderWithPool(threads);
  const workerSource = await pthreadWorkerSource();
  const wasmBytes = await Deno.readFile(`${PACKAGE_DIR}/dist/tfjs-backend-wasm-threaded-simd.wasm`);
  const shimUrl = new URL("./pthread_worker.ts", import.meta.url).href;
  const start: PthreadShimStart = { equalaisPthreadShim: true, workerSource, loaderSource };
  // Emscripten calls `new Worker(url)` for each pool thread; it gets a module worker
  // that evaluates the worker script first.
  class ShimWorker {
    constructor(_url: string) {
      const worker = new Worker(shimUrl, { type: "module" });
      worker.postMessage(start);
      return worker;
    }
  }
  const loader = new Function(
    "process",
    "require",
    "navigator",
    "Worker",
    "module",
    "exports",
    "__filename",
    `${loaderSource}\nreturn WasmBackendModuleThreadedSimd;`,
  )(undefined, undefined, { hardwareConcurrency: 2 * threads }, ShimWorker);
  tf.removeBackend("wasm");
  tf.registerBackend("wasm", async () => {
    // Evaluated here as tfjs's own loader does, so later synchronous reads find them.
    await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
    const module = await loader({
      // The worker script "imports" this name; the shim answers with loaderSource.
      mainScriptUrlOrBlob: "equalais-threaded-wasm",
      locateFile: (path: string) => path,
      instantiateWasm: (
        imports: WebAssembly.Imports,
        receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
      ) => {
        WebAssembly.instantiate(wasmBytes, imports).then((made) =>
          receive(made.instance, made.module)
        );
        return {};
      },
    });
    module.tfjs = {
      init: module.cwrap("init", null, []),
      initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
      getThreadsCount: module.cwrap("get_threads_count", "number", []),
      registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
      disposeData: module.cwrap("dispose_data", null, ["number"]),
      dispose: module.cwrap("dispose", null, []),
    };
    setThreadsCount(threads);
    return new BackendWasm(module);
  }, WASM_PRIORITY);
  registeredThreads = threads;
}

/** XNNPACK threads of the running wasm backend (1 for tfjs's own single-threaded build). */
export function wasmThreadsCount(): number {
  return Math.max(1, getThreadsCount());
}

async function loaderWithPool(threads: number): Promise<string> {
  const source = await Deno.readTextFile(
    `${PACKAGE_DIR}/wasm-out/tfjs-backend-wasm-threaded-simd.js`,
  );
  if (!source.includes(POOL_SIZE_SOURCE)) {
    throw new UserError(
      "tfjs-backend-wasm's threaded loader is not the one this code knows (4.22.0); run with one wasm thread",
    );
  }
  // Emscripten waits for every pre-spawned worker to load; at least one keeps that wait
  // finite (a pool of zero never resolves).
  return source.replace(POOL_SIZE_SOURCE, `var pthreadPoolSize=${Math.max(1, threads - 1)};`);
}

async function pthreadWorkerSource(): Promise<string> {
  const commonJs = await Deno.readTextFile(
    `${PACKAGE_DIR}/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js`,
  );
  const module = { exports: {} as { wasmWorkerContents?: string } };
  new Function("module", "exports", commonJs)(module, module.exports);
  const contents = module.exports.wasmWorkerContents;
  if (typeof contents !== "string") {
    throw new UserError("tfjs-backend-wasm's pthread worker script was not found");
  }
  // The template literal turned the script's "\n" escapes into line breaks inside
  // string literals; tfjs escapes them again before use, and so must we.
  return contents.replace(/\n/g, "\\n");
}
