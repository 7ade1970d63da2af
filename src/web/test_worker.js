/**
 * A stand-in protection worker for the protector's tests: it dies (an uncaught error)
 * when asked to warm up, and answers a photo with the same bytes and a minimal report,
 * so that a worker's death and its replacement can be tested in milliseconds.
 */
// Plain JavaScript, so that starting it costs no type check of the whole filter.

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "warmup") {
    // Thrown from a timer, outside any handler: the worker dies as on a real crash.
    setTimeout(() => {
      throw new Error("the detectors could not be loaded (test)");
    });
  } else if (message.type === "protect") {
    const answer = {
      type: "done",
      id: message.id,
      bytes: message.bytes,
      contentType: "image/jpeg",
      format: "jpeg",
      report: { preset: message.preset ?? "" },
    };
    self.postMessage(answer, [message.bytes.buffer]);
  }
};
