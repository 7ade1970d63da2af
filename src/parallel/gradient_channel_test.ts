/** The shared-memory channel: values, errors and time-outs reach the waiting side. */
import assert from "node:assert/strict";
import { GradientChannel } from "./gradient_channel.ts";

Deno.test("an answer carries the value and the data written into the channel", () => {
  const channel = GradientChannel.withCapacity(6);
  assert.equal(channel.capacity, 6);
  channel.data(6).set([1, 2, 3, 4, 5, 6]);
  channel.open();
  // The worker's side, through a second view of the same memory.
  const worker = new GradientChannel(channel.buffer);
  worker.data(6).set(worker.data(6).map((v) => v * 10));
  worker.finish(2.5);
  assert.equal(channel.await(1000), 2.5);
  assert.deepEqual([...channel.data(6)], [10, 20, 30, 40, 50, 60]);
});

Deno.test("a failure is thrown on the waiting side with the worker's message", () => {
  const channel = GradientChannel.withCapacity(1);
  channel.open();
  new GradientChannel(channel.buffer).fail('unknown detector "nope"');
  assert.throws(() => channel.await(1000), /gradient worker: unknown detector "nope"/);
});

Deno.test("no answer ends in a time-out error, not a hang", () => {
  const channel = GradientChannel.withCapacity(1);
  channel.open();
  assert.throws(() => channel.await(20), /no answer within 0.02 s/);
});

Deno.test("more data than the channel holds is refused", () => {
  assert.throws(() => GradientChannel.withCapacity(4).data(5), /5 values do not fit/);
});
