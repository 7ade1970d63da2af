import assert from "node:assert/strict";
import { crossFamilyFigure, crossFamilyStudy, heldOutFamilies } from "./cross_family.ts";
import { fixtureCrossFamilyRows, fixtureRow } from "./fixture_rows.ts";

Deno.test("cross-family: the held-out family is the neural family no attacked id belongs to", () => {
  assert.deepEqual(heldOutFamilies(["faceapi-ssd", "faceapi-tiny", "faceboxes"]), ["blazeface"]);
  assert.deepEqual(heldOutFamilies(["blazeface-front"]), [
    "ssd-mobilenet",
    "tiny-yolo",
    "faceboxes",
  ]);
});

Deno.test("cross-family: rates per held-out family, attacked set and Haar, by hand", () => {
  const study = crossFamilyStudy(fixtureCrossFamilyRows());
  assert.deepEqual(study.channels, ["identity", "jpeg75"]);
  assert.deepEqual(study.results.map((r) => r.heldOut), [
    "blazeface",
    "ssd-mobilenet",
    "tiny-yolo",
    "faceboxes",
  ]);
  // Blazeface held out: back, front, mediapipe and Human's pipeline judge it. Photo a: 3 of 4
  // per judge, photo b: 2 of 4 -> (4*3 + 4*2) / (8*4) = 20/32 on the file; after JPEG
  // (4*4 + 4*3) / 32 = 28/32.
  const blaze = study.results[0];
  assert.deepEqual(blaze.heldOutJudges.sort(), [
    "blazeface-back",
    "blazeface-front",
    "human",
    "mediapipe-full",
  ]);
  assert.equal(blaze.heldOutRates[0].estimate!.rate, 20 / 32);
  assert.equal(blaze.heldOutRates[1].estimate!.rate, 28 / 32);
  // Attacked judges: 1 of 4 on photo a, 0 on photo b -> 3/24 over three judges.
  assert.equal(blaze.attackedRates[0].estimate!.rate, 3 / 24);
  // Haar: 4 of 4 and 3 of 4 -> 7/8; its standard error over two photos:
  // residuals (4 - 3.5)^2 + (3 - 3.5)^2 = 0.5; sqrt(0.5 / 2) / 4 = 0.125.
  assert.equal(blaze.haarRates[1].estimate!.rate, 7 / 8);
  assert.equal(blaze.haarRates[1].estimate!.se, 0.125);
  // Tiny held out: only faceapi-tiny judges it: (3 + 2) / 8 on the file.
  const tiny = study.results[2];
  assert.deepEqual(tiny.heldOutJudges, ["faceapi-tiny"]);
  assert.equal(tiny.heldOutRates[0].estimate!.rate, 5 / 8);
});

Deno.test("cross-family: sets that leave out zero or several families are not in the table", () => {
  const rows = [
    ...fixtureCrossFamilyRows(),
    fixtureRow({ source: ["blazeface-back"], target: "faceapi-ssd", eps: 8, steps: 100 }),
  ];
  assert.equal(crossFamilyStudy(rows).results.length, 4);
});

Deno.test("cross-family: the figure has one bar group per judge group and channel", () => {
  const figure = crossFamilyFigure(fixtureCrossFamilyRows());
  assert.equal(figure.data.length, 6);
  const heldOutFile = figure.data[0] as { x: string[]; y: number[]; name: string };
  assert.equal(heldOutFile.name, "held-out family, identity");
  assert.deepEqual(heldOutFile.x, [
    "blazeface held out",
    "ssd-mobilenet held out",
    "tiny-yolo held out",
    "faceboxes held out",
  ]);
  assert.deepEqual(heldOutFile.y, [20 / 32, 5 / 8, 5 / 8, 5 / 8]);
});
