import assert from "node:assert/strict";
import { decodeImage } from "../image/decode.ts";
import { readMarks } from "../marks/metadata.ts";
import { extractMessage } from "../stego/extract.ts";
import { DEFAULT_STEGO_MESSAGE } from "../stego/message.ts";
import { photoForm, spawnServe, writeSmallSample } from "./test_support.ts";

const UPLOADS = 20;

/** What /healthz reports (the server measures its own memory with Deno.memoryUsage). */
interface Health {
  status: string;
  running: number;
  waiting: number;
  reserved: number;
  held: number;
  known: number;
  worker: boolean;
  memoryMB: { rss: number; heapUsed: number; external: number };
}

Deno.test("server under load: 20 concurrent uploads complete or get 503, health answers, memory returns", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-web-load-" });
  // The real command in its own process, so its memory is its own: one photo running and
  // one waiting (two are protected, eighteen turned away), the worker stopping 2 s after work.
  const server = await spawnServe(["--queue", "1", "--idle-minutes", "0.03"]);
  const health = async (): Promise<{ status: number; body: Health }> => {
    const response = await fetch(`${server.url}/healthz`);
    return { status: response.status, body: await response.json() };
  };
  /** Health once the worker has stopped and the process stopped shrinking. */
  const settled = async (): Promise<Health> => {
    let last = (await health()).body;
    for (let i = 0; i < 60; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = (await health()).body;
      if (!now.worker && !last.worker && now.memoryMB.rss >= last.memoryMB.rss - 1) return now;
      last = now;
    }
    return last;
  };
  try {
    const bytes = await Deno.readFile(await writeSmallSample(dir, 480, 1));
    const before = await settled();

    // Health probes run all through the load, one after another.
    let loading = true;
    const probes: Health[] = [];
    const probing = (async () => {
      while (loading) {
        const { status, body } = await health();
        assert.ok(status === 200 || status === 503, `healthz answered ${status}`);
        probes.push(body);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const answers = await Promise.all(
      Array.from({ length: UPLOADS }, async (_, i) => {
        const response = await fetch(`${server.url}/api/protect`, {
          method: "POST",
          body: photoForm({ bytes, name: `load-${i}.jpg` }, { preset: "light" }),
        });
        return {
          status: response.status,
          type: response.headers.get("content-type"),
          retryAfter: response.headers.get("retry-after"),
          body: new Uint8Array(await response.arrayBuffer()),
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
    // The server answered health checks while photos were being protected.
    const duringWork = probes.filter((h) => h.running === 1);
    assert.ok(duringWork.length >= 3, `${duringWork.length} health answers during protection`);

    // Afterwards: nothing held, work accepted again, memory back near where it started.
    const after = await settled();
    assert.equal(after.status, "ok");
    assert.deepEqual(
      [after.running, after.waiting, after.reserved, after.held, after.known],
      [0, 0, 0, 0, 0],
    );
    const peak = Math.max(...probes.map((h) => h.memoryMB.rss));
    const heap = (h: Health) => h.memoryMB.heapUsed + h.memoryMB.external;
    console.log(
      `server memory (MB): heap+external ${heap(before)} before, ${heap(after)} after; ` +
        `RSS ${before.memoryMB.rss} before, ${peak} peak, ${after.memoryMB.rss} after`,
    );
    assert.ok(heap(after) < heap(before) + 32, "the server's own heap returned near its baseline");
    assert.ok(peak > before.memoryMB.rss, "the work took memory");
    // Allocators keep a little, but most of what the protections took is handed back.
    assert.ok(
      after.memoryMB.rss - before.memoryMB.rss < (peak - before.memoryMB.rss) / 2,
      "most of the memory the protections took is given back once the worker stops",
    );
  } finally {
    const { code, log } = await server.stop();
    assert.equal(code, 0, log);
    await Deno.remove(dir, { recursive: true });
  }
});
