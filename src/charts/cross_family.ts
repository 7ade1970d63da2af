/**
 * Leave-one-family-out: for every attacked set that leaves out exactly one neural detector
 * family, how often that family's detectors (which the attack never saw) still find the
 * faces, beside the attacked detectors themselves and OpenCV's Haar cascade (never
 * differentiable, so always held out). Answers "will it hide my face from a detector you
 * never saw?" with a measured rate instead of a hope.
 */
import { attackLabel } from "../experiments/attack_label.ts";
import { familyOf, NEURAL_FAMILIES } from "../detectors/families.ts";
import { baseLayout, PALETTE, type PlotlyFigure } from "./figure.ts";
import { pooledRateOverImages, type RateEstimate } from "./rate_estimate.ts";
import { distinct, type ResultRow, sourceLabel } from "./result_rows.ts";

/** Which rows enter the study. */
export interface CrossFamilyOptions {
  /** Budget (default: the largest eps in the rows). */
  eps?: number;
  /** Step checkpoint (default: the largest at that eps). */
  steps?: number;
  /** Attack labels to pool (default: all). */
  attacks?: string[];
  /** Channels, in display order (default: identity and jpeg75 where present, else all). */
  channels?: string[];
}

/** Detection rates of one group of judges on one channel. */
export interface GroupRate {
  /** Channel. */
  channel: string;
  /** Pooled detection rate with its standard error over images; null without clean faces. */
  estimate: RateEstimate | null;
}

/** One attacked set that leaves one neural family out. */
export interface HeldOutResult {
  /** The family never attacked. */
  heldOut: string;
  /** The attacked set's label. */
  source: string;
  /** Judges of the held-out family found in the rows. */
  heldOutJudges: string[];
  /** The held-out family's detectors, per channel: the transfer claim. */
  heldOutRates: GroupRate[];
  /** The attacked detectors judging themselves, per channel: the white-box reference. */
  attackedRates: GroupRate[];
  /** OpenCV's Haar cascade, per channel (null estimates when it was not a judge). */
  haarRates: GroupRate[];
}

/** The study's table and what was pooled. */
export interface CrossFamilyStudy {
  /** Budget. */
  eps: number;
  /** Step checkpoint. */
  steps: number;
  /** Attack labels pooled. */
  attacks: string[];
  /** Channels, in order. */
  channels: string[];
  /** One entry per held-out family, in NEURAL_FAMILIES order. */
  results: HeldOutResult[];
}

/** The neural families a set of attacked detector ids does not touch. */
export function heldOutFamilies(source: readonly string[]): string[] {
  const attacked = new Set(source.map(familyOf));
  return NEURAL_FAMILIES.filter((family) => !attacked.has(family));
}

/** Computes the leave-one-family-out table from sweep rows. */
export function crossFamilyStudy(
  rows: readonly ResultRow[],
  options: CrossFamilyOptions = {},
): CrossFamilyStudy {
  const eps = options.eps ?? Math.max(...rows.map((r) => r.eps));
  const atEps = rows.filter((r) =>
    r.eps === eps && (!options.attacks || options.attacks.includes(attackLabel(r)))
  );
  const steps = options.steps ?? Math.max(...atEps.map((r) => r.steps));
  const selected = atEps.filter((r) => r.steps === steps);
  const allChannels = distinct(selected.map((r) => r.channel));
  const preferred = ["identity", "jpeg75"].filter((c) => allChannels.includes(c));
  const channels = options.channels ?? (preferred.length ? preferred : allChannels);
  const ratesOf = (group: readonly ResultRow[]): GroupRate[] =>
    channels.map((channel) => ({
      channel,
      estimate: pooledRateOverImages(group.filter((r) => r.channel === channel)),
    }));
  const results: HeldOutResult[] = [];
  for (const source of distinct(selected.map((r) => sourceLabel(r.source)))) {
    const setRows = selected.filter((r) => sourceLabel(r.source) === source);
    const heldOut = heldOutFamilies(setRows[0].source);
    if (heldOut.length !== 1) continue; // not a leave-one-out set (e.g. one family only)
    const heldOutRows = setRows.filter((r) => familyOf(r.target) === heldOut[0]);
    results.push({
      heldOut: heldOut[0],
      source,
      heldOutJudges: distinct(heldOutRows.map((r) => r.target)),
      heldOutRates: ratesOf(heldOutRows),
      attackedRates: ratesOf(setRows.filter((r) => r.source.includes(r.target))),
      haarRates: ratesOf(setRows.filter((r) => r.target === "haar")),
    });
  }
  results.sort((a, b) =>
    NEURAL_FAMILIES.indexOf(a.heldOut) - NEURAL_FAMILIES.indexOf(b.heldOut) ||
    a.source.localeCompare(b.source)
  );
  return { eps, steps, attacks: distinct(selected.map(attackLabel)), channels, results };
}

/**
 * The Plotly figure: grouped bars of detection rate (lower is better), x = the held-out
 * family, one bar per judge group and channel, ± 1 s.e. over images.
 */
export function crossFamilyFigure(
  rows: readonly ResultRow[],
  options: CrossFamilyOptions = {},
): PlotlyFigure {
  const study = crossFamilyStudy(rows, options);
  const x = study.results.map((r) => `${r.heldOut} held out`);
  const groups: [string, (r: HeldOutResult) => GroupRate[]][] = [
    ["held-out family", (r) => r.heldOutRates],
    ["attacked detectors", (r) => r.attackedRates],
    ["Haar (never attacked)", (r) => r.haarRates],
  ];
  const data = groups.flatMap(([group, ratesOf], g) =>
    study.channels.map((channel, c) => {
      const estimates = study.results.map((r) =>
        ratesOf(r).find((rate) => rate.channel === channel)?.estimate ?? null
      );
      return {
        type: "bar",
        name: `${group}, ${channel}`,
        x,
        y: estimates.map((e) => e?.rate ?? null),
        error_y: { type: "data", array: estimates.map((e) => e?.se ?? 0), visible: true },
        customdata: estimates.map((e) => e?.images ?? 0),
        hovertemplate: `${group}, ${channel}<br>%{x}: %{y:.2f} (%{customdata} images)` +
          "<extra></extra>",
        marker: {
          color: PALETTE[g % PALETTE.length],
          // The first channel (the written file) solid, re-encoded copies lighter.
          opacity: c === 0 ? 1 : 0.5,
          line: { color: PALETTE[g % PALETTE.length], width: 1.5 },
        },
      };
    })
  );
  const layout = baseLayout(
    "Leave one family out: what the attack never saw still finds",
    Math.max(760, 190 * study.results.length + 260),
    520,
    `eps ${study.eps}, ${study.steps} steps, ${study.attacks.join(", ")}; detection rate ` +
      `(found / clean faces), pooled over images, bars ± 1 s.e.; lower hides more`,
  );
  layout.showlegend = true;
  layout.barmode = "group";
  layout.xaxis = { title: { text: "family left out of the attack" }, type: "category" };
  layout.yaxis = {
    title: { text: "detection rate" },
    range: [0, 1.1],
    gridcolor: "#e5e5e5",
    linecolor: "#444",
  };
  layout.legend = { orientation: "h", x: 0, y: -0.2, yanchor: "top" };
  layout.margin = { l: 70, r: 30, t: 110, b: 150 };
  return { data, layout };
}
