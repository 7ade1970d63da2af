/**
 * Identity on wasm without a copy. tfjs 4.22's wasm Identity copies the tensor, and
 * gradients save every input (weights and activations) through it, so each attack step
 * copied the whole model and its activations (about 350 copies per BlazeFace step). The
 * cpu and webgpu backends share the storage and count references instead; the wasm
 * backend counts references too (its Reshape shares storage the same way), so this
 * does the same there.
 */
import * as tf from "@tensorflow/tfjs";

interface RefCountingBackend {
  incRef(dataId: object): void;
}

let registered = false;

/** Replaces the wasm Identity kernel with one that shares storage; safe to call again. */
export function registerSharingWasmIdentity(): void {
  if (registered) return;
  registered = true;
  const original = tf.getKernel("Identity", "wasm");
  if (!original) return;
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel({
    kernelName: "Identity",
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, backend } = args;
      const x = inputs.x as tf.TensorInfo;
      if (x.dtype === "string") return original.kernelFunc(args);
      (backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}
