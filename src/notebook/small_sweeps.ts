/**
 * The sweeps notebooks run themselves when `results/` lacks the rows they need: small
 * enough for a fresh clone on two cores (a few minutes), large enough to show the shapes
 * the paper's sweep shows. Notebooks 01-03 share one, so its rows are computed once.
 */
import type { SweepConfig } from "../experiments/sweep_config.ts";

/** Attacks x budgets x step checkpoints x a single detector and an ensemble, two photos. */
export const SMALL_SWEEP: SweepConfig = {
  name: "notebook-small",
  images: ["data/samples/sample1.jpg", "data/samples/sample4.jpg"],
  maxSide: 480,
  attacks: [{ attack: "fgsm" }, { attack: "pgd" }, { attack: "mifgsm" }, {
    attack: "pgd",
    robust: true,
  }],
  eps: [4, 8, 16],
  steps: [5, 20],
  sources: [["blazeface-front"], ["blazeface-front", "blazeface-back"]],
  robust: [false],
  judges: ["blazeface-front", "blazeface-back", "mediapipe-full", "faceboxes", "faceapi-tiny"],
  channels: ["identity", "jpeg75"],
  seeds: [1],
  earlyStop: true,
};

/** PGD with robust mode off and on, judged after re-encodings, resizing and upload presets. */
export const ROBUSTNESS_SWEEP: SweepConfig = {
  name: "notebook-robustness",
  images: ["data/samples/sample1.jpg", "data/samples/sample4.jpg"],
  maxSide: 480,
  attacks: [{ attack: "pgd" }],
  eps: [8],
  steps: [40],
  sources: [["blazeface-front", "blazeface-back"]],
  robust: [false, true],
  judges: ["blazeface-front", "blazeface-back", "mediapipe-full"],
  channels: ["identity", "jpeg95", "jpeg75", "jpeg50", "half-area", "half-area+jpeg75", "social"],
  seeds: [1],
  earlyStop: true,
};

/**
 * Leave-one-family-out on two photos: each set attacks every neural family but one
 * (robust PGD at eps 8, 20 steps), every detector judges. The full study is
 * results/configs/cross_family.json.
 */
export const CROSS_FAMILY_SWEEP: SweepConfig = {
  name: "notebook-cross-family",
  images: ["data/samples/sample1.jpg", "data/samples/sample4.jpg"],
  maxSide: 320,
  attacks: [{ attack: "pgd", robust: true }],
  eps: [8],
  steps: [20],
  sources: [
    ["faceapi-ssd", "faceapi-tiny", "faceboxes"],
    ["blazeface-back", "blazeface-front", "mediapipe-full", "faceapi-tiny", "faceboxes"],
    ["blazeface-back", "blazeface-front", "mediapipe-full", "faceapi-ssd", "faceboxes"],
    ["blazeface-back", "blazeface-front", "mediapipe-full", "faceapi-ssd", "faceapi-tiny"],
  ],
  robust: [false],
  judges: [
    "blazeface-back",
    "blazeface-front",
    "mediapipe-full",
    "human",
    "faceapi-ssd",
    "faceapi-tiny",
    "faceboxes",
    "haar",
  ],
  channels: ["identity", "jpeg75"],
  seeds: [1],
  earlyStop: true,
};
