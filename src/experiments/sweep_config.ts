/**
 * Sweep configurations: the grid a researcher asks for, checked field by field before
 * any work starts, and expanded into work units (one attack run each).
 */
import { UserError } from "../errors.ts";
import { ATTACK_NAMES } from "../attacks/registry.ts";
import { ALL_FAMILIES_IDS, ATTACKABLE_IDS, DETECTOR_IDS } from "../detectors/registry.ts";
import { BALANCE_MODES } from "../attacks/ensemble_weights.ts";
import { parseChannel } from "../image/channels.ts";
import { expandImages } from "./image_glob.ts";
import { warnOnce } from "./warn_once.ts";
import { validateRate } from "../models/ghost_erosion.ts";
import { validateAugment } from "../attacks/input_augment.ts";

/** One attack entry: its name and options (besides eps, steps and seed, which the grid sets). */
export interface AttackSpec {
  /** Registered attack name. */
  attack: string;
  /** Robust mode for this entry only, overriding the grid's `robust` list. */
  robust?: boolean;
  /** How the source detectors are weighed: "off" (default), "log" or "adaptive". */
  balance?: string;
  /** Any of the attack's own options (norm, momentum, kernelSize, stepSize...). */
  [option: string]: unknown;
}

/** A sweep configuration as written in JSON. */
export interface SweepConfig {
  /** Name; results go to results/<name>/ unless --out is given. */
  name: string;
  /** Image paths or globs (`*`, `**`, `{a,b}`...), relative to the working directory. */
  images: string[];
  /** Downscale images so the long side is at most this many pixels (optional). */
  maxSide?: number;
  /** Attacks with their options. */
  attacks: AttackSpec[];
  /** Budgets (L-inf grey levels, or L2 if an attack sets norm "l2"). */
  eps: number[];
  /** Step counts; one run per unit goes to the largest, the others are checkpoints of it. */
  steps: number[];
  /**
   * Source sets: the attacked detectors of each run (each a list of white-box ids, a single
   * detector or an ensemble; "all-families" in a list stands for the six neural detectors
   * of ALL_FAMILIES_IDS); the rows of a transfer matrix.
   */
  sources: string[][];
  /** Robust mode off/on. */
  robust?: boolean[];
  /** Judges: every detector that counts faces on a result (once called `targets`). */
  judges: string[];
  /** Channels to judge after. */
  channels: string[];
  /** Seeds. */
  seeds: number[];
  /** Stop a run early once no source detector finds a face on any channel (default true). */
  earlyStop?: boolean;
}

const FIELDS = [
  "name",
  "images",
  "maxSide",
  "attacks",
  "eps",
  "steps",
  "sources",
  "robust",
  "judges",
  "channels",
  "seeds",
  "earlyStop",
];

/** Config keys renamed since configs were first written: old name -> new name. */
const RENAMED: Readonly<Record<string, string>> = { targets: "judges" };

/** One attack run: everything except the step checkpoints, judges and channels. */
export interface WorkUnit {
  /** Position in the grid (stable: shards and merges order by it). */
  index: number;
  /** Stable key of the unit. */
  key: string;
  /** Image path. */
  image: string;
  /** Attack and its options. */
  attack: AttackSpec;
  /** Budget. */
  eps: number;
  /** White-box detectors attacked together. */
  source: string[];
  /** Robust mode. */
  robust: boolean;
  /** Seed. */
  seed: number;
}

function fail(field: string, message: string): never {
  throw new UserError(`config field "${field}": ${message}`);
}

function list<T>(
  config: Record<string, unknown>,
  field: string,
  check: (v: unknown) => v is T,
  what: string,
): T[] {
  const value = config[field];
  if (!Array.isArray(value)) fail(field, `must be a list of ${what}, got ${JSON.stringify(value)}`);
  if (value.length === 0) fail(field, "must not be empty");
  value.forEach((v, i) => {
    if (!check(v)) fail(field, `item ${i} must be ${what}, got ${JSON.stringify(v)}`);
  });
  return value as T[];
}

const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isPositive = (v: unknown): v is number =>
  typeof v === "number" && Number.isFinite(v) && v > 0;
const isStepCount = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 10000;
const isSeed = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isBool = (v: unknown): v is boolean => typeof v === "boolean";

/**
 * A config (as given, or as a run folder recorded it) with every old key under its new
 * name, in the same place: two records of one grid compare equal whichever names they use.
 * Silent; anything but an object comes back unchanged. Both names at once is a UserError.
 */
export function normalizeConfigKeys(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const config = raw as Record<string, unknown>;
  for (const [old, now] of Object.entries(RENAMED)) {
    if (old in config && now in config) {
      throw new UserError(
        `config gives both "${now}" and "${old}" (its old name); keep only "${now}"`,
      );
    }
  }
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [RENAMED[k] ?? k, v]));
}

/**
 * Validates a parsed JSON config; throws a UserError naming the field and value. Old key
 * names are accepted (one warning per process) and come back under their new names.
 */
export function validateConfig(raw: unknown): SweepConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UserError("config must be a JSON object");
  }
  const config = normalizeConfigKeys(raw) as Record<string, unknown>;
  for (const [old, now] of Object.entries(RENAMED)) {
    if (old in raw) warnOnce(`sweep config: "${old}" is now "${now}"; the old key still works`);
  }
  for (const key of Object.keys(config)) {
    if (!FIELDS.includes(key)) fail(key, `unknown field (known: ${FIELDS.join(", ")})`);
  }
  if (!isString(config.name) || !/^[A-Za-z0-9._-]+$/.test(config.name)) {
    fail(
      "name",
      `must be a name of letters, digits, ".", "_" or "-", got ${JSON.stringify(config.name)}`,
    );
  }
  list(config, "images", isString, "paths or globs");
  if (
    config.maxSide !== undefined &&
    !(Number.isInteger(config.maxSide) && (config.maxSide as number) >= 32)
  ) {
    fail("maxSide", `must be a whole number >= 32, got ${JSON.stringify(config.maxSide)}`);
  }
  const attacks = list(
    config,
    "attacks",
    (v): v is AttackSpec => typeof v === "object" && v !== null && !Array.isArray(v),
    'objects like {"attack": "pgd"}',
  );
  for (const a of attacks) {
    if (!ATTACK_NAMES.includes(a.attack)) {
      fail(
        "attacks",
        `unknown attack ${JSON.stringify(a.attack)} (known: ${ATTACK_NAMES.join(", ")})`,
      );
    }
    if ("balance" in a && !(BALANCE_MODES as readonly unknown[]).includes(a.balance)) {
      fail(
        "attacks",
        `"balance" of an attack must be one of ${BALANCE_MODES.join(", ")}, got ${
          JSON.stringify(a.balance)
        }`,
      );
    }
    if ("robust" in a && !isBool(a.robust)) {
      fail(
        "attacks",
        `"robust" of an attack must be true or false, got ${JSON.stringify(a.robust)}`,
      );
    }
    for (const reserved of ["eps", "steps", "seed"]) {
      if (reserved in a) {
        fail("attacks", `set "${reserved}" in the grid field "${reserved}", not in an attack`);
      }
    }
    checkBoosters(a);
  }
  const eps = list(config, "eps", isPositive, "positive numbers");
  if (eps.some((e) => e > 64)) fail("eps", `values must be at most 64, got ${JSON.stringify(eps)}`);
  list(config, "steps", isStepCount, "whole numbers from 1 to 10000");
  const sources = list(
    config,
    "sources",
    (v): v is string[] => Array.isArray(v) && v.length > 0,
    "non-empty lists of detector ids",
  );
  for (const set of sources) {
    for (const id of expandSourceSet(set)) {
      if (!ATTACKABLE_IDS.includes(id)) {
        fail(
          "sources",
          `${JSON.stringify(id)} is not a white-box detector (white-box: ${
            ATTACKABLE_IDS.join(", ")
          })`,
        );
      }
    }
  }
  if (config.robust !== undefined) list(config, "robust", isBool, "true/false");
  const judges = list(config, "judges", isString, "detector ids");
  for (const id of judges) {
    if (!DETECTOR_IDS.includes(id)) {
      fail("judges", `unknown detector ${JSON.stringify(id)} (known: ${DETECTOR_IDS.join(", ")})`);
    }
  }
  const channels = list(config, "channels", isString, "channel names");
  for (const c of channels) {
    try {
      parseChannel(c);
    } catch (error) {
      fail("channels", (error as Error).message);
    }
  }
  list(config, "seeds", isSeed, "whole numbers >= 0");
  if (config.earlyStop !== undefined && !isBool(config.earlyStop)) {
    fail("earlyStop", `must be true or false, got ${JSON.stringify(config.earlyStop)}`);
  }
  return config as unknown as SweepConfig;
}

// The transfer boosters every attack takes (see AttackOptions), checked before any work starts.
function checkBoosters(a: AttackSpec): void {
  try {
    for (const key of ["ghostDropout", "ghostSkip"]) {
      if (key in a) validateRate(key, a[key]);
    }
    if ("augmentScale" in a || "augmentShift" in a || "augmentProb" in a) {
      validateAugment({
        scale: a.augmentScale ?? 0,
        shift: a.augmentShift ?? 0,
        prob: a.augmentProb ?? 1,
      } as { scale: number; shift: number; prob: number });
    }
    if (
      "levels" in a &&
      !(Number.isInteger(a.levels) && (a.levels as number) >= 1 && (a.levels as number) <= 6)
    ) {
      throw new RangeError(
        `levels must be a whole number from 1 to 6, got ${JSON.stringify(a.levels)}`,
      );
    }
  } catch (error) {
    fail("attacks", `${a.attack}: ${(error as Error).message}`);
  }
}

/**
 * The grid's work units in a fixed order: image, attack, eps, source, robust, seed. Pass
 * `images` when the expanded photo list is already at hand (the one recorded for the run).
 */
export function expandUnits(
  config: SweepConfig,
  images: string[] = expandImages(config.images),
): WorkUnit[] {
  const units: WorkUnit[] = [];
  for (const image of images) {
    for (const attack of config.attacks) {
      for (const eps of config.eps) {
        for (const source of config.sources.map(expandSourceSet)) {
          for (
            const robust of attack.robust === undefined ? config.robust ?? [false] : [attack.robust]
          ) {
            for (const seed of config.seeds) {
              const key = JSON.stringify([image, attack, eps, source, robust, seed]);
              units.push({ index: units.length, key, image, attack, eps, source, robust, seed });
            }
          }
        }
      }
    }
  }
  return units;
}

/**
 * A source set with the alias "all-families" replaced by its six detector ids (in place,
 * duplicates dropped): what the units attack and the rows record.
 */
export function expandSourceSet(set: readonly string[]): string[] {
  return [...new Set(set.flatMap((id) => id === "all-families" ? [...ALL_FAMILIES_IDS] : [id]))];
}

/** Parses "--shard i/N" (1-based i); throws a UserError for anything else. */
export function parseShard(spec: string): { index: number; count: number } {
  const m = spec.match(/^(\d+)\/(\d+)$/);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UserError(`--shard must be i/N with 1 <= i <= N, got "${spec}"`);
  }
  return { index, count };
}

/** The units of shard i of N: every N-th unit starting at i-1 (deterministic, balanced). */
export function shardUnits(
  units: WorkUnit[],
  shard?: { index: number; count: number },
): WorkUnit[] {
  if (!shard) return units;
  return units.filter((u) => u.index % shard.count === shard.index - 1);
}
