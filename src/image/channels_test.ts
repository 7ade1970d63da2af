/** Channels run real encoders and resamplers, compose, and reject unknown names. */
import assert from "node:assert/strict";
import { applyChannel, halveByArea, parseChannel } from "./channels.ts";
import { readSample } from "../testing/fixtures.ts";
import { psnr } from "../metrics/psnr.ts";

Deno.test("each channel changes the photo as its name says", async () => {
  const image = await readSample(1);
  const j95 = await applyChannel(image, "jpeg95");
  const j50 = await applyChannel(image, "jpeg50");
  assert.deepEqual([j95.width, j95.height], [1920, 1280]);
  assert.ok(psnr(image, j95) > psnr(image, j50), "lower quality loses more");
  assert.equal(psnr(image, await applyChannel(image, "identity")), Infinity);
  for (const name of ["half-area", "half-lanczos", "half-area+jpeg75"]) {
    const half = await applyChannel(image, name);
    assert.deepEqual([half.width, half.height], [960, 640], name);
  }
  const social = await applyChannel(image, "social");
  assert.deepEqual([social.width, social.height], [1920, 1280]);
});

Deno.test("half-area averages 2x2 blocks", () => {
  const image = {
    width: 2,
    height: 2,
    data: new Uint8Array([0, 0, 0, 10, 10, 10, 20, 20, 20, 30, 30, 30]),
  };
  assert.deepEqual([...halveByArea(image).data], [15, 15, 15]);
});

Deno.test("unknown channel names are refused, naming the part", () => {
  assert.deepEqual(parseChannel("half-area+jpeg75"), ["half-area", "jpeg75"]);
  assert.throws(() => parseChannel("jpeg75+blur"), /unknown channel "blur"/);
});
