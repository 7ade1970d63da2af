/**
 * The server keeps serving: a slow upload gets 408 and gives its place in the queue back,
 * and only requests that name the server properly and come from its own page are answered.
 * No protection runs here (the worker is not started): seconds, not minutes.
 */
import assert from "node:assert/strict";
import { startServer } from "./server.ts";

const BOUNDARY = "----equalais-slow";

/** Opens a connection and sends an upload's head and the first bytes of its body. */
async function startUpload(port: number, declaredBytes: number): Promise<Deno.TcpConn> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  const head = `POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
    `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\n` +
    `Content-Length: ${declaredBytes}\r\n\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n` +
    "Content-Type: image/jpeg\r\n\r\n";
  await connection.write(new TextEncoder().encode(head));
  return connection;
}

/** Reads one answer (status and JSON body); fails after `timeoutMs` without one. */
async function readAnswer(
  connection: Deno.TcpConn,
  timeoutMs: number,
): Promise<{ status: number; body: { error?: string } }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const read = (async () => {
    const buffer = new Uint8Array(8192);
    let text = "";
    while (true) {
      const match = text.match(
        /^HTTP\/1\.1 (\d{3})[^]*?\r\ncontent-length: (\d+)\r\n[^]*?\r\n\r\n/i,
      );
      if (match) {
        const start = text.indexOf("\r\n\r\n") + 4;
        if (text.length - start >= Number(match[2])) {
          return { status: Number(match[1]), body: JSON.parse(text.slice(start)) };
        }
      }
      const n = await connection.read(buffer);
      if (n === null) throw new Error(`connection closed after ${JSON.stringify(text)}`);
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
  })();
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Status and error of a raw request (head only, no body). */
async function rawAnswer(port: number, head: string) {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await connection.write(new TextEncoder().encode(head));
    return await readAnswer(connection, 5_000);
  } finally {
    connection.close();
  }
}

Deno.test("a slow upload gets 408 and its place in the queue back", async (t) => {
  // One place in all, so a client that holds it makes the server refuse everyone else.
  const server = await startServer({
    port: 0,
    warmUp: false,
    limits: { maxWaiting: 0, uploadIdleMs: 400, uploadDeadlineMs: 1_500 },
  });
  const health = async () => {
    const response = await fetch(`${server.url}/healthz`);
    return { status: response.status, body: await response.json() };
  };
  try {
    await t.step("a client that sends part of the body and stops", async () => {
      const connection = await startUpload(server.port, 100_000);
      try {
        await connection.write(new Uint8Array(1000));
        await new Promise((resolve) => setTimeout(resolve, 150));
        const held = await health();
        assert.equal(held.status, 503, "the upload holds the only place");
        assert.equal(held.body.reserved, 1);
        const started = performance.now();
        const answer = await readAnswer(connection, 10_000);
        assert.equal(answer.status, 408);
        assert.match(
          answer.body.error!,
          /^the upload stalled \(nothing arrived for 0\.4 seconds\)/,
        );
        assert.ok(performance.now() - started < 2_000);
      } finally {
        connection.close();
      }
      const after = await health();
      assert.equal(after.status, 200, "the place is free again");
      assert.equal(after.body.reserved, 0);
    });

    await t.step("a client that trickles a byte at a time", async () => {
      const connection = await startUpload(server.port, 100_000);
      let trickling = true;
      const trickle = (async () => {
        while (trickling) {
          await connection.write(new Uint8Array(1)).catch(() => trickling = false);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      try {
        const started = performance.now();
        const answer = await readAnswer(connection, 10_000);
        const seconds = (performance.now() - started) / 1000;
        assert.equal(answer.status, 408);
        assert.match(answer.body.error!, /^the upload took longer than 1\.5 seconds/);
        assert.ok(seconds > 1 && seconds < 3, `answered after ${seconds.toFixed(1)} s`);
      } finally {
        trickling = false;
        await trickle;
        connection.close();
      }
      assert.equal((await health()).body.reserved, 0, "the place is free again");
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("only the server's own names and its own page are answered", async (t) => {
  const server = await startServer({ port: 0, warmUp: false, allowedHosts: ["photos.example"] });
  const port = server.port;
  const get = (host: string, extra = "") =>
    rawAnswer(
      port,
      `GET /api/config HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`,
    );
  // A POST without a body: past the checks it is refused as not multipart (415).
  const post = (host: string, extra = "") =>
    rawAnswer(
      port,
      `POST /api/jobs HTTP/1.1\r\nHost: ${host}\r\n${extra}Content-Length: 0\r\n` +
        "Connection: close\r\n\r\n",
    );
  try {
    await t.step("addresses, localhost and allowed names are answered", async () => {
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `photos.example:${port}`]) {
        assert.equal((await get(host)).status, 200, host);
      }
      assert.equal((await get(`[::1]:${port}`)).status, 200, "an IPv6 address");
    });
    await t.step("another name (DNS rebinding) is refused", async () => {
      for (const host of [`attacker.example:${port}`, "rebind.attacker.example"]) {
        const answer = await get(host);
        assert.equal(answer.status, 403, host);
        assert.match(answer.body.error!, /^this server does not answer to the name "/);
      }
      assert.equal((await post(`attacker.example:${port}`)).status, 403);
    });
    await t.step(
      "a POST from another web site is refused; the page's own and scripts' pass",
      async () => {
        const host = `127.0.0.1:${port}`;
        for (
          const origin of [
            "http://attacker.example",
            `http://localhost:${port}`, // another origin, though the same machine
            `http://127.0.0.1:${port + 1}`,
            "null",
          ]
        ) {
          const answer = await post(host, `Origin: ${origin}\r\n`);
          assert.equal(answer.status, 403, origin);
          assert.equal(answer.body.error, "requests from other web sites are refused");
        }
        const crossSite = await post(host, "Sec-Fetch-Site: cross-site\r\n");
        assert.equal(crossSite.status, 403, "a cross-site fetch without Origin");
        assert.equal((await post(host, `Origin: http://${host}\r\n`)).status, 415, "same origin");
        assert.equal((await post(host, "Sec-Fetch-Site: same-origin\r\n")).status, 415);
        assert.equal((await post(host)).status, 415, "a script, without Origin");
        const health = await (await fetch(`${server.url}/healthz`)).json();
        assert.equal(health.reserved, 0, "no refused request took a place");
        assert.equal(health.known, 0);
      },
    );
  } finally {
    await server.shutdown();
  }
});
