import assert from "node:assert/strict";
import { makeBadInputs, writeHugePng, writeOversizedJpeg } from "../testing/bad_inputs.ts";
import { startServer } from "./server.ts";
import { CONTENT_SECURITY_POLICY } from "./security_headers.ts";
import { photoForm, rawRequestStatus, writeSmallSample } from "./test_support.ts";

Deno.test("server: every bad upload gets a clear 4xx and the server serves the next request", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-web-bad-" });
  // A short time limit so that the limit itself can be tested on a real photo.
  const server = await startServer({
    port: 0,
    // 5 s: no protection of the 640 px sample ends that soon (15 s was a coin toss: the
    // photo was sometimes protected in time), and the abandoned job is dropped at 2 s.
    limits: { jobTimeoutMs: 5_000, abandonAfterMs: 2_000 },
  });
  const upload = async (path: string, fields: Record<string, string> = {}) => {
    const bytes = await Deno.readFile(path);
    return fetch(`${server.url}/api/protect`, {
      method: "POST",
      body: photoForm({ bytes, name: path.split("/").pop()! }, fields),
    });
  };
  const expectError = async (response: Response, status: number, message: RegExp) => {
    const body = await response.json();
    assert.equal(response.status, status, `status for ${JSON.stringify(body)}`);
    assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
    assert.match(body.error, message);
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200, "the server still takes work");
    assert.equal((await health.json()).status, "ok");
  };
  try {
    await server.ready;
    const bad = await makeBadInputs(dir);
    const huge = `${dir}/huge60.png`;
    await writeHugePng(huge, 60);
    // Under decoding's 50 megapixels, over what the attack protects within its memory.
    const large = `${dir}/large30.png`;
    await writeHugePng(large, 30);
    const oversized = `${dir}/big.jpg`;
    await writeOversizedJpeg(oversized, 30 * 1024 * 1024);
    const sample = await writeSmallSample(dir, 640);

    const cases: [string, string, number, RegExp][] = [
      ["0 bytes", bad.empty, 400, /^the photo is empty \(0 bytes\)$/],
      ["a text file named .jpg", bad.text, 415, /not a JPEG, PNG or WebP photo \(it is a text/],
      ["a truncated JPEG", bad.truncated, 422, /corrupt or truncated JPEG/],
      ["a 60-megapixel PNG", huge, 422, /\(60\.0 megapixels\): at most 24 megapixels/],
      ["a 30-megapixel PNG", large, 422, /\(30\.0 megapixels\): at most 24 megapixels, please/],
      ["a 30 MB file", oversized, 413, /too large \(this one is 30 MB\): at most 25 MB/],
      ["a GIF", bad.gif, 415, /\(it is a GIF\): only JPEG, PNG and WebP/],
      ["a PNG with a corrupt chunk", bad.corruptPng, 422, /corrupt or truncated PNG/],
    ];
    for (const [name, path, status, message] of cases) {
      await t.step(name, async () => {
        await expectError(await upload(path), status, message);
        const health = await (await fetch(`${server.url}/healthz`)).json();
        assert.equal(health.worker, true, "the protection worker is still alive");
      });
    }
    await t.step("a request without a file", async () => {
      const form = photoForm(undefined, { preset: "standard" });
      const response = await fetch(`${server.url}/api/protect`, { method: "POST", body: form });
      await expectError(
        response,
        400,
        /no photo in the request: send it in the form field "image"/,
      );
      const empty = await fetch(`${server.url}/api/protect`, { method: "POST" });
      await expectError(empty, 415, /multipart\/form-data/);
    });
    await t.step("an unknown preset", async () => {
      await expectError(await upload(sample, { preset: "max" }), 400, /unknown preset "max"/);
    });
    await t.step("30 MB streamed without a declared length is cut off while reading", async () => {
      const form = photoForm({ bytes: await Deno.readFile(oversized), name: "big.jpg" });
      const encoded = new Response(form);
      const response = await fetch(`${server.url}/api/protect`, {
        method: "POST",
        headers: { "content-type": encoded.headers.get("content-type")! },
        body: encoded.body, // a stream: sent chunked, without Content-Length
      });
      await expectError(response, 413, /too large: at most 25 MB/);
    });
    await t.step("no path reaches outside the page's files", async () => {
      for (
        const path of [
          "/../../etc/passwd",
          "/%2e%2e/%2e%2e/etc/passwd",
          "/static/../server.ts",
          "/app.js/../../../deno.json",
          "//etc/passwd",
          "/server.ts",
          "/index.html",
        ]
      ) {
        const status = await rawRequestStatus(
          server.port,
          `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
        );
        assert.equal(status, 404, path);
      }
      const page = await fetch(`${server.url}/`);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
      assert.equal(page.headers.get("x-content-type-options"), "nosniff");
      assert.match(await page.text(), /not stored, not logged and not sent anywhere/);
      const wrongMethod = await fetch(`${server.url}/api/protect`);
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.headers.get("allow"), "POST");
      await wrongMethod.body?.cancel();
    });
    const jobState = async (id: string) => (await fetch(`${server.url}/api/jobs/${id}`)).json();
    const queueJob = async () => {
      const bytes = await Deno.readFile(sample);
      const response = await fetch(`${server.url}/api/jobs`, {
        method: "POST",
        body: photoForm({ bytes, name: "sample.jpg" }),
      });
      assert.equal(response.status, 202);
      return (await response.json()).id as string;
    };
    await t.step(
      "while a photo runs into the time limit, waiting jobs can be cancelled",
      async () => {
        const slow = upload(sample);
        while ((await (await fetch(`${server.url}/healthz`)).json()).running === 0) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const abandoned = await queueJob();
        const deleted = await queueJob();
        assert.equal((await jobState(deleted)).position, 2, "two photos ahead of it");

        const cancel = await fetch(`${server.url}/api/jobs/${deleted}`, { method: "DELETE" });
        assert.equal(cancel.status, 204);
        assert.equal((await jobState(deleted)).error, "the protection was cancelled");
        await expectError(
          await fetch(`${server.url}/api/jobs/${deleted}/result`),
          409,
          /^the protection was cancelled$/,
        );
        // Nobody follows the other job's progress: it is dropped as if its page had closed.
        let state = await jobState(abandoned);
        while (state.state !== "failed") {
          await new Promise((resolve) => setTimeout(resolve, 200));
          state = await jobState(abandoned);
        }
        assert.equal(state.error, "the page that asked for this protection went away");
        await expectError(await slow, 503, /took longer than the limit of 0\.1 minutes/);
        await expectError(
          await fetch(`${server.url}/api/jobs/${crypto.randomUUID()}/result`),
          404,
          /no such job/,
        );
      },
    );
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
