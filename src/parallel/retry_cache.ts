/**
 * Loads kept by key while they succeed: a failed load (a model file being replaced, memory
 * short for a moment) is forgotten, so the next request tries again instead of getting
 * the same old failure for the rest of the worker's life.
 */

/** Promises by key; a rejected one is dropped as it settles. */
export class RetryingCache<T> {
  readonly #entries = new Map<string, Promise<T>>();

  /** The promise kept for `key`, or a new `load()` when there is none (or it failed). */
  get(key: string, load: () => Promise<T>): Promise<T> {
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = load();
      const kept = entry;
      this.#entries.set(key, kept);
      kept.catch(() => {
        if (this.#entries.get(key) === kept) this.#entries.delete(key);
      });
    }
    return entry;
  }
}
