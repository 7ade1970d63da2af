/**
 * The plotly.js library, from the pinned npm package `plotly.js-cartesian-dist-min`
 * (scatter, bar, heatmap and image traces: everything the charts use, 1.5 MB instead of
 * the full bundle's 10 MB). Notebooks inline it and the figure export loads it into
 * Chromium, so nothing is fetched from a CDN.
 */
import { SetupError } from "../errors.ts";
import { NODE_MODULES } from "../paths.ts";

/** Path of the minified plotly.js bundle inside node_modules. */
export const PLOTLY_BUNDLE_PATH =
  `${NODE_MODULES}/plotly.js-cartesian-dist-min/plotly-cartesian.min.js`;

let cached: string | undefined;

/** The plotly.js bundle's source text (read once). */
export async function plotlyBundle(): Promise<string> {
  if (cached) return cached;
  try {
    cached = await Deno.readTextFile(PLOTLY_BUNDLE_PATH);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new SetupError(`plotly.js is missing at ${PLOTLY_BUNDLE_PATH}`);
    }
    throw error;
  }
  return cached;
}
