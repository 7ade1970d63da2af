import assert from "node:assert/strict";
import { runCliScript } from "../testing/run_cli_script.ts";
import { spawnServe } from "../web/test_support.ts";

Deno.test("serve: bad flags and a busy port give one line and exit 2", async () => {
  for (
    const [args, message] of [
      [["--port", "eighty"], /^serve: error: --port must be a number, got "eighty"$/],
      [["--port", "70000"], /^serve: error: --port must be between 0 and 65535, got 70000$/],
      [["--queue", "101"], /^serve: error: --queue must be between 0 and 100, got 101$/],
      [["--colour"], /^serve: error: Unknown option '--colour'$/],
      [
        ["--allow-host", "photos.example,bad name"],
        /^serve: error: host name "bad name" is not valid$/,
      ],
      [
        ["--upload-seconds", "0"],
        /^serve: error: --upload-seconds must be between 1 and 3600, got 0$/,
      ],
    ] as const
  ) {
    const { code, stderr } = await runCliScript("serve.ts", [...args]);
    assert.equal(code, 2, stderr);
    assert.match(stderr.trim(), message);
  }
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { port } = taken.addr as Deno.NetAddr;
    const { code, stderr } = await runCliScript("serve.ts", ["--port", String(port)]);
    assert.equal(code, 2);
    assert.equal(
      stderr.trim(),
      `serve: error: port ${port} is already in use: choose another with --port`,
    );
  } finally {
    taken.close();
  }
});

Deno.test("serve: `deno task serve` answers the page and health, and stops cleanly on SIGTERM", async () => {
  const server = await spawnServe([], true);
  let stopped: { code: number; log: string } | undefined;
  try {
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>EqualAIs/);
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, "ok");
  } finally {
    stopped = await server.stop();
  }
  assert.equal(stopped.code, 0, stopped.log);
  // Only the address and readiness are printed: nothing about requests.
  for (const line of stopped.log.trim().split("\n")) {
    assert.match(
      line,
      /^(Task serve .*|serve: protecting photos at .*|serve: detectors loaded, ready)$/,
    );
  }
});
