import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { DETECTOR_FAMILY, familyOf, leaveOneFamilyOut, NEURAL_FAMILIES } from "./families.ts";
import { DETECTOR_IDS, loadDetector, SURROGATE_IDS } from "./registry.ts";

Deno.test("families: the table covers every registered detector and agrees with each model", async () => {
  await initBackend("wasm");
  const ids = [...DETECTOR_IDS, ...SURROGATE_IDS];
  assert.deepEqual(Object.keys(DETECTOR_FAMILY).sort(), ids.sort());
  for (const id of ids) {
    assert.equal((await loadDetector(id)).family, familyOf(id), id);
  }
});

Deno.test("families: leave-one-family-out never attacks a member of the held-out family", () => {
  const attackable = [
    "blazeface-back",
    "blazeface-front",
    "mediapipe-full",
    "faceapi-ssd",
    "faceapi-tiny",
    "faceboxes",
  ];
  assert.deepEqual(leaveOneFamilyOut(attackable), [
    { heldOut: "blazeface", attacked: ["faceapi-ssd", "faceapi-tiny", "faceboxes"] },
    {
      heldOut: "ssd-mobilenet",
      attacked: [
        "blazeface-back",
        "blazeface-front",
        "mediapipe-full",
        "faceapi-tiny",
        "faceboxes",
      ],
    },
    {
      heldOut: "tiny-yolo",
      attacked: ["blazeface-back", "blazeface-front", "mediapipe-full", "faceapi-ssd", "faceboxes"],
    },
    {
      heldOut: "faceboxes",
      attacked: [
        "blazeface-back",
        "blazeface-front",
        "mediapipe-full",
        "faceapi-ssd",
        "faceapi-tiny",
      ],
    },
  ]);
  assert.equal(NEURAL_FAMILIES.length, 4);
  assert.throws(() => familyOf("nope"), /no family recorded for detector "nope"/);
});
