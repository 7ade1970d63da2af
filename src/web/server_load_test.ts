import assert from "node:assert/strict";
import { decodeImage } from "../image/decode.ts";
import { readMarks } from "../marks/metadata.ts";
import { extractMessage } from "../stego/extract.ts";
import { DEFAULT_STEGO_MESSAGE } from "../stego/message.ts";
import { startServer } from "./server.ts";
import { photoForm, writeSmallSample } from "./test_support.ts";

const UPLOADS = 20;
const MB = 1024 * 1024;

/**
 * Memory once it has settled: a stopped worker's isolate is torn down on its own thread a
 * moment after it is terminated, so this waits until the process size stops shrinking.
 */
async function settledMemory(): Promise<Deno.MemoryUsage> {
  let last = Deno.memoryUsage();
  for (let i = 0; i < 40; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    (globalThis as { gc?: () => void }).gc?.();
    const now = Deno.memoryUsage();
    if (now.rss >= last.rss - MB) return now;
    last = now;
  }
  return last;
}

Deno.test("server under load: 20 concurrent uploads complete or get 503, health answers, memory returns", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-web-load-" });
  // One running and one waiting: two photos are protected, eighteen are turned away. The
  // worker stops soon after the work, as it does (later) on a real server.
  const server = await startServer({ port: 0, limits: { maxWaiting: 1 }, workerIdleMs: 1500 });
  const workerStopped = async () => {
    while (server.workerRunning) await new Promise((resolve) => setTimeout(resolve, 100));
  };
  try {
    const bytes = await Deno.readFile(await writeSmallSample(dir, 480, 1));
    await server.ready;
    await workerStopped();
    const before = await settledMemory();

    // Health probes run all through the load, one after another, sampling memory too.
    let loading = true;
    let peak = before;
    const health: { status: number; running: number }[] = [];
    const probing = (async () => {
      while (loading) {
        const response = await fetch(`${server.url}/healthz`);
        health.push({ status: response.status, running: (await response.json()).running });
        const now = Deno.memoryUsage();
        if (now.rss > peak.rss) peak = now;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();

    const answers = await Promise.all(
      Array.from({ length: UPLOADS }, async (_, i) => {
        const response = await fetch(`${server.url}/api/protect`, {
          method: "POST",
          body: photoForm({ bytes, name: `load-${i}.jpg` }, { preset: "light" }),
        });
        const body = new Uint8Array(await response.arrayBuffer());
        return {
          status: response.status,
          type: response.headers.get("content-type"),
          retryAfter: response.headers.get("retry-after"),
          body,
        };
      }),
    );
    loading = false;
    await probing;

    const completed = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503);
    assert.equal(completed.length + refused.length, UPLOADS, "every answer is 200 or 503");
    assert.ok(completed.length >= 1 && completed.length <= 2, `${completed.length} completed`);
    for (const answer of completed) {
      assert.equal(answer.type, "image/jpeg");
      const image = await decodeImage(answer.body);
      assert.deepEqual([image.width, image.height], [480, 320]);
      assert.equal(extractMessage(image).message, DEFAULT_STEGO_MESSAGE);
      assert.equal((await readMarks(answer.body)).dataMining, "DMI-PROHIBITED");
    }
    for (const answer of refused) {
      assert.equal(answer.type, "application/json; charset=utf-8");
      const { error } = JSON.parse(new TextDecoder().decode(answer.body));
      assert.match(error, /^the server is busy protecting other photos; please try again in about/);
      assert.ok(Number(answer.retryAfter) >= 1, `Retry-After ${answer.retryAfter}`);
    }

    // The server answered health checks while a photo was being protected.
    const duringWork = health.filter((h) => h.running === 1);
    assert.ok(duringWork.length >= 3, `${duringWork.length} health answers during protection`);
    assert.ok(health.every((h) => h.status === 200 || h.status === 503));

    // Afterwards: nothing held, work accepted again, memory back near where it started.
    assert.deepEqual(server.queue.stats(), {
      running: 0,
      waiting: 0,
      reserved: 0,
      capacity: 2,
      held: 0,
      known: 0,
    });
    const after = await fetch(`${server.url}/healthz`);
    assert.equal(after.status, 200);
    await after.body?.cancel();
    await workerStopped();
    const end = await settledMemory();
    const heap = (m: Deno.MemoryUsage) => (m.heapUsed + m.external) / MB;
    console.log(
      `memory (MB): main heap+external ${heap(before).toFixed(1)} before, ${
        heap(end).toFixed(1)
      } after; process RSS ${(before.rss / MB).toFixed(0)} before, ${
        (peak.rss / MB).toFixed(0)
      } peak, ${(end.rss / MB).toFixed(0)} after`,
    );
    assert.ok(heap(end) < heap(before) + 32, "the server's own heap returned near its baseline");
    // The process gives back most of what the work took (allocators keep a little).
    assert.ok(peak.rss > before.rss, "the work took memory");
    assert.ok(
      end.rss - before.rss < (peak.rss - before.rss) / 2,
      "most of the memory the protections took is given back once the worker stops",
    );
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
