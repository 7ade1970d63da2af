/**
 * A module worker hosting one of Emscripten's pthreads for tfjs's threaded wasm build
 * (see `threaded_wasm.ts`). Deno runs only module workers, while Emscripten's worker is a
 * classic script that calls `importScripts` and looks for Node's globals: this worker
 * evaluates that script with Node's globals hidden and answers its one `importScripts`
 * call with the loader's source, sent along in the first message.
 */
import type { PthreadShimStart } from "./threaded_wasm.ts";

const scope = globalThis as unknown as Record<string, unknown>;

scope.onmessage = (event: MessageEvent<PthreadShimStart>) => {
  const start = event.data;
  if (!start?.equalaisPthreadShim) return;
  scope.importScripts = () => {
    scope.WasmBackendModuleThreadedSimd = new Function(
      "process",
      "require",
      "module",
      "exports",
      "__filename",
      `${start.loaderSource}\nreturn WasmBackendModuleThreadedSimd;`,
    )();
  };
  // Replaces this handler with Emscripten's own for every later message.
  new Function("process", "require", start.workerSource)();
};
