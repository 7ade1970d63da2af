/**
 * How large a photo the protection takes: a module of its own (no imports), so that the
 * web server's main thread can read the limit without loading the attack.
 */

/**
 * Largest photo the filter protects, in pixels. The attack holds about ten float32 RGB
 * copies of the photo on the backend; on wasm they share one heap of at most 4 GB, and a
 * photo that does not fit aborts the backend for good ("Aborted()"), not just the photo.
 * Measured with photo_memory_probe.ts (standard preset, the escalation's five budgets,
 * six steps in all with a check after each; `... 24 6 ladder`): the heap peaked at
 * 1276 MB for 8 MP, 2375 MB for 16 MP and 3504 MB for 24 MP, about 180 MB + 137 MB per
 * megapixel, and a 32 MP photo aborted the backend at 3.9 GB (limit reached near 28 MP).
 * 24 MP keeps about 590 MB free, and holds the photos of most cameras and phones.
 */
export const MAX_PROTECT_PIXELS = 24_000_000;
