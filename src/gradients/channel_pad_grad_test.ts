/** The channel-pad gradient equals tfjs's slice, and other pads keep the slice. */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { channelPadInputGrad, padsOnlyChannels } from "./channel_pad_grad.ts";

Deno.test("channel-pad gradient keeps exactly the unpadded channels of dy", async () => {
  await initBackend("wasm");
  const x = tf.randomNormal([2, 3, 4, 5], 0, 1, "float32", 7);
  for (const [before, after] of [[0, 7], [2, 3]]) {
    const pad = [[0, 0], [0, 0], [0, 0], [before, after]] as [number, number][];
    const dy = tf.randomNormal([2, 3, 4, 5 + before + after], 0, 1, "float32", 8);
    const want = await dy.slice([0, 0, 0, before], [-1, -1, -1, 5]).data();
    assert.deepEqual(await channelPadInputGrad(dy, 5, before).data(), want);
    // The registered gradient of tf.pad takes this path.
    const viaGrad = tf.grad((input) => tf.pad(input, pad).mul(dy).sum())(x);
    assert.deepEqual(await viaGrad.data(), want);
  }
  // Spatial padding still slices.
  const spatial = [[0, 0], [1, 2], [0, 0], [0, 0]] as [number, number][];
  assert.ok(!padsOnlyChannels(spatial));
  const g = tf.grad((input) => tf.pad(input, spatial).sum())(x);
  assert.deepEqual(Array.from(await g.data()), Array(x.size).fill(1));
});
