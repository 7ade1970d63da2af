import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";
import { runCliScript } from "../testing/run_cli_script.ts";

Deno.test("serve: bad flags and a busy port give one line and exit 2", async () => {
  for (
    const [args, message] of [
      [["--port", "eighty"], /^serve: error: --port must be a number, got "eighty"$/],
      [["--port", "70000"], /^serve: error: --port must be between 0 and 65535, got 70000$/],
      [["--queue", "101"], /^serve: error: --queue must be between 0 and 100, got 101$/],
      [["--colour"], /^serve: error: Unknown option '--colour'$/],
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
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "serve", "--port", "0"],
    cwd: PROJECT_ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let log = "";
  try {
    let url: string | undefined;
    while (!url) {
      const { value, done } = await stderr.read();
      if (done) throw new Error(`serve ended before listening: ${log}`);
      log += value;
      url = log.match(/protecting photos at (http:\/\/127\.0\.0\.1:\d+)\//)?.[1];
    }
    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>EqualAIs/);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, "ok");
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    while (true) {
      const { value, done } = await stderr.read();
      if (done) break;
      log += value;
    }
    await child.stdout.cancel();
    assert.equal(status.code, 0, log);
  }
  // Only the address and readiness are printed: nothing about requests.
  for (const line of log.trim().split("\n")) {
    assert.match(
      line,
      /^(Task serve .*|serve: protecting photos at .*|serve: detectors loaded, ready)$/,
    );
  }
});
