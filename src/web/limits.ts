/**
 * What the server accepts and how much work it takes on: one photo of at most 25 MB and
 * 24 megapixels (what the attack protects within its memory) per request, one protection
 * at a time (the machines this runs on have two cores), a short waiting list, time limits
 * per upload and per photo, and results kept only briefly.
 */
import { MAX_PROTECT_PIXELS } from "../protect/photo_limits.ts";

/** Limits and queue sizes of a server. */
export interface ServerLimits {
  /** Largest photo file accepted, in bytes. */
  maxUploadBytes: number;
  /** Largest photo accepted, in pixels (checked from the header, before decoding). */
  maxPixels: number;
  /** Photos that may wait while one is being protected. */
  maxWaiting: number;
  /** Longest a protection may run, in milliseconds. */
  jobTimeoutMs: number;
  /** How long a finished result waits to be fetched before it is deleted, in milliseconds. */
  resultTtlMs: number;
  /** How long a page may be gone (no progress listener) before its job is cancelled, ms. */
  abandonAfterMs: number;
  /** Longest an upload's body may take to arrive, in milliseconds (then 408). */
  uploadDeadlineMs: number;
  /** Longest an upload may send nothing, in milliseconds (then 408). */
  uploadIdleMs: number;
}

/** The limits `deno task serve` runs with unless flags change them. */
export const DEFAULT_LIMITS: Readonly<ServerLimits> = {
  maxUploadBytes: 25 * 1024 * 1024,
  maxPixels: MAX_PROTECT_PIXELS,
  maxWaiting: 3,
  jobTimeoutMs: 10 * 60_000,
  resultTtlMs: 5 * 60_000,
  abandonAfterMs: 60_000,
  // 25 MB in 2 minutes needs about 1.7 Mbit/s; a phone's photo of 3-6 MB needs a fifth.
  uploadDeadlineMs: 120_000,
  uploadIdleMs: 20_000,
};

/** Room for the multipart framing and the small form fields around the photo. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** Bytes as people read them ("25 MB", "30.5 MB", "812 KB"). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
