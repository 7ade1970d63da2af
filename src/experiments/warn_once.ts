/**
 * Warnings a process prints to stderr once each, however often the same fallback is hit
 * (provenance is collected for every run, the code version for every figure).
 */

const printed = new Set<string>();

/** Prints `message` to stderr unless this process has printed it already. */
export function warnOnce(message: string): void {
  if (printed.has(message)) return;
  printed.add(message);
  console.error(`warning: ${message}`);
}
