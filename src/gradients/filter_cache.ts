/**
 * Constants derived from model filters (flipped, transposed, split into phases), made once
 * per filter instead of once per gradient step: rebuilding them was a few percent of a
 * BlazeFace backward pass on wasm.
 *
 * Gradients receive clones of the weights (tfjs saves inputs as clones sharing storage),
 * so entries are keyed by storage. Each entry holds its own clone; once that clone is the
 * storage's last reference (the model was disposed), the entry is dropped.
 */
import * as tf from "@tensorflow/tfjs";

interface Entry {
  source: tf.Tensor;
  derived: tf.Tensor;
}

const cache = new Map<string, Entry>();
const storageIds = new WeakMap<object, number>();
let nextStorageId = 0;

function storageKey(filter: tf.Tensor, kind: string): string {
  let id = storageIds.get(filter.dataId);
  if (id === undefined) {
    id = nextStorageId++;
    storageIds.set(filter.dataId, id);
  }
  // Per backend: using a tensor of another backend moves its data, and webgpu cannot be
  // read synchronously under Deno.
  return `${id}:${tf.getBackend()}:${kind}`;
}

// References to a tensor's storage held by anyone (0 once it is freed).
function references(tensor: tf.Tensor): number {
  const engine = tf.engine() as unknown as {
    state: { tensorInfo: WeakMap<object, { backend: tf.KernelBackend }> };
  };
  const info = engine.state.tensorInfo.get(tensor.dataId);
  return info ? info.backend.refCount(tensor.dataId) : 0;
}

function dropUnused(): void {
  for (const [key, entry] of cache) {
    if (references(entry.source) <= 1) {
      tf.dispose([entry.source, entry.derived]);
      cache.delete(key);
    }
  }
}

/**
 * `make(filter)`, computed once per filter storage and `kind` while the filter lives.
 * The result belongs to the cache: callers must not dispose it.
 */
export function derivedFromFilter<T extends tf.Tensor>(
  filter: tf.Tensor,
  kind: string,
  make: (filter: tf.Tensor) => T,
): T {
  const key = storageKey(filter, kind);
  const found = cache.get(key);
  if (found && !found.source.isDisposed) return found.derived as T;
  dropUnused();
  const derived = tf.keep(tf.tidy(() => make(filter)));
  cache.set(key, { source: tf.keep(filter.clone()), derived });
  return derived;
}

/** Frees every cached filter whose weight is gone, and returns how many remain. */
export function cachedFilterCount(): number {
  dropUnused();
  return cache.size;
}

const byShape = new Map<string, tf.Tensor>();

/**
 * A constant that depends only on a tensor shape (such as a tiled pattern), made once per
 * backend, `kind` and shape and kept for the life of the process.
 */
export function constantForShape<T extends tf.Tensor>(
  kind: string,
  shape: readonly number[],
  make: () => T,
): T {
  const key = `${tf.getBackend()}:${kind}:${shape.join("x")}`;
  const found = byShape.get(key);
  if (found && !found.isDisposed) return found as T;
  const made = tf.keep(tf.tidy(make));
  byShape.set(key, made);
  return made;
}

/** Tensors the gradient caches hold (each filter entry keeps two), for leak checks. */
export function cachedTensorCount(): number {
  return 2 * cachedFilterCount() + byShape.size;
}
