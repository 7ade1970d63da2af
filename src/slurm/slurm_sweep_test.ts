/**
 * `sweep --slurm` against a real one-node Slurm cluster (munged, slurmctld, slurmd from
 * Debian's packages, started here as root): the array's merged rows equal a local run of
 * the same grid, a cancelled array resumes by re-running the same command, a killed
 * shard resumes from its last complete unit, and bad requests submit nothing.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../paths.ts";
import { openRows, type StoredRow } from "../experiments/row_store.ts";
import { withoutTiming } from "../experiments/merge_shards.ts";
import { startLocalCluster } from "./local_cluster.ts";
import { shardDirName } from "./sbatch_script.ts";
import { MANIFEST } from "./slurm_sweep.ts";

const SMOKE = await Deno.readTextFile(`${PROJECT_ROOT}/results/configs/smoke.json`);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function sweep(args: string[], env: Record<string, string>): Promise<Ran> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${PROJECT_ROOT}/src/cli/sweep.ts`, ...args],
    cwd: PROJECT_ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

async function slurm(program: string, args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(program, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout).trim();
}

async function waitForJobs(jobs: string[], env: Record<string, string>, seconds = 300) {
  const deadline = Date.now() + seconds * 1000;
  while (await slurm("squeue", ["-h", "-j", jobs.join(",")], env)) {
    if (Date.now() > deadline) throw new Error(`Slurm jobs ${jobs} still queued after ${seconds}s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function waitForFile(path: string, seconds = 120) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      await Deno.stat(path);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${path} did not appear in ${seconds}s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function comparable(rows: StoredRow[]): string[] {
  return rows.map((r) => JSON.stringify(withoutTiming(r)));
}

Deno.test("sweep --slurm on a one-node cluster: cancel, resume and merge equal a local run", async () => {
  const cluster = await startLocalCluster();
  const dir = await Deno.makeTempDir({ prefix: "equalais-slurm-sweep-" });
  // One thread per shard and locally: rows record the thread count, and the grid's
  // numbers must not depend on where it ran.
  const env = { ...cluster.env, EQUALAIS_THREADS: "1" };
  try {
    const config = `${dir}/smoke.json`;
    await Deno.writeTextFile(config, SMOKE);
    const local = await sweep([config, "--out", `${dir}/local`], env);
    assert.equal(local.code, 0, local.stderr);
    const localRows = await openRows(`${dir}/local/rows.jsonl`);
    assert.equal(localRows.length, 32);

    const runDir = `${dir}/array`;
    const slurmArgs = [config, "--slurm", "--shards", "2", "--cpus-per-task", "1", "--out", runDir];
    const first = await sweep([...slurmArgs, "--merge"], env);
    assert.equal(first.code, 0, first.stderr);
    const jobId = first.stdout.trim();
    assert.match(jobId, /^\d+$/);
    assert.match(first.stderr, new RegExp(`submitted array job ${jobId}: shards 1,2 of 2`));
    const script = await Deno.readTextFile(`${runDir}/slurm/array-${jobId}.sbatch`);
    assert.match(script, /#SBATCH --array=0-1\n/);

    // A second array on the same folder is refused while the first is queued or running.
    const twice = await sweep(slurmArgs, env);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, new RegExp(`already has array job ${jobId} `));

    // Cancel the array as soon as shard 1 has started its sweep (models still loading).
    await waitForFile(`${runDir}/${shardDirName(1, 2)}/run.json`);
    await slurm("scancel", [jobId], env);
    await waitForJobs([jobId], env);
    const status = await sweep(["status", runDir], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /shard 1: \d\/2 units, cancelled \(job \d+_0\)/);
    assert.doesNotMatch(status.stdout, /ready to merge/);
    const early = await sweep(["merge", runDir], env);
    assert.equal(early.code, 2);
    assert.match(early.stderr, /shard \d of .* has \d\/2 units; resume it/);

    // Re-running the same command submits what is left, and the merge job after it.
    const again = await sweep([...slurmArgs, "--merge"], env);
    assert.equal(again.code, 0, again.stderr);
    const secondJob = again.stdout.trim();
    const manifest = JSON.parse(await Deno.readTextFile(`${runDir}/${MANIFEST}`));
    const mergeJob = manifest.submissions.at(-1).merge_job_id;
    assert.ok(mergeJob, "the merge job was submitted");
    await waitForJobs([secondJob, mergeJob], env);
    const merged = await openRows(`${runDir}/merged/rows.jsonl`);
    assert.deepEqual(comparable(merged), comparable(localRows));
    assert.match((await sweep(["status", runDir], env)).stdout, /2 of 2 shards complete.*ready/);

    // A shard killed mid-unit (a torn last line, a unit short) resumes from its last
    // complete unit: only that shard is submitted again, and its first unit is kept.
    const shardRows = `${runDir}/${shardDirName(2, 2)}/rows.jsonl`;
    const lines = (await Deno.readTextFile(shardRows)).split("\n").filter(Boolean);
    const firstUnit = lines.filter((l) => JSON.parse(l).unit === JSON.parse(lines[0]).unit);
    await Deno.writeTextFile(shardRows, firstUnit.join("\n") + "\n" + lines.at(-1)!.slice(0, 40));
    const resumed = await sweep(slurmArgs, env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /shards 2 of 2/);
    const resumedJob = resumed.stdout.trim();
    assert.match(
      await Deno.readTextFile(`${runDir}/slurm/array-${resumedJob}.sbatch`),
      /#SBATCH --array=1\n/,
    );
    await waitForJobs([resumedJob], env);
    const log = await Deno.readTextFile(`${runDir}/slurm/logs/${resumedJob}_1.out`);
    assert.match(log, /1 already done/);
    const remerge = await sweep(["merge", runDir, "-o", `${dir}/remerged`], env);
    assert.equal(remerge.code, 0, remerge.stderr);
    assert.deepEqual(
      comparable(await openRows(`${dir}/remerged/rows.jsonl`)),
      comparable(localRows),
    );

    // Everything complete: re-running submits nothing.
    const idle = await sweep(slurmArgs, env);
    assert.equal(idle.code, 0, idle.stderr);
    assert.match(idle.stderr, /all 2 shards .* are complete; nothing submitted/);
    const idleDry = await sweep([...slurmArgs, "--dry-run"], env);
    assert.equal(idleDry.code, 0, idleDry.stderr);
    assert.equal(idleDry.stdout, "", "no script for a complete folder");
    assert.match(idleDry.stderr, /are complete; nothing submitted/);

    // Bad requests: one line each, nothing submitted, nothing written.
    const badPartition = await sweep(
      [config, "--slurm", "--shards", "2", "--partition", "nope", "--out", `${dir}/bad`],
      env,
    );
    assert.equal(badPartition.code, 2);
    assert.match(badPartition.stderr, /sbatch refused the job: invalid partition specified: nope/);
    assert.equal(badPartition.stderr.trim().split("\n").at(-1)!.startsWith("sweep: error:"), true);
    await assert.rejects(Deno.stat(`${dir}/bad`), Deno.errors.NotFound);
    const other = JSON.parse(SMOKE);
    other.eps = [4];
    await Deno.writeTextFile(`${dir}/other.json`, JSON.stringify(other));
    const differs = await sweep([`${dir}/other.json`, "--slurm", "--out", runDir], env);
    assert.equal(differs.code, 2);
    assert.match(differs.stderr, /holds a Slurm sweep of a different config/);
  } finally {
    await cluster.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep --slurm refuses bad requests in one line before submitting anything", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-slurm-bad-" });
  try {
    const config = `${dir}/smoke.json`;
    await Deno.writeTextFile(config, SMOKE);
    const out = `${dir}/run`;
    const cases: [string[], RegExp][] = [
      [["--slurm", "--shard", "1/2"], /give --shards N, not --shard i\/N/],
      [["--slurm", "--shards", "0"], /--shards must be a whole number >= 1, got "0"/],
      [["--slurm", "--shards=-3"], /--shards must be a whole number >= 1/],
      [["--slurm", "--shards", "5"], /--shards 5 is more than the grid's 4 units/],
      [["--shards", "2"], /--shards needs --slurm/],
      [["--slurm", "--time", "soon"], /--time must look like HH:MM:SS/],
      [["--slurm", "--sbatch-arg", "rm -rf /"], /--sbatch-arg takes one sbatch option/],
    ];
    for (const [args, message] of cases) {
      const ran = await sweep([config, ...args, "--out", out], {});
      assert.equal(ran.code, 2, `${args.join(" ")}: ${ran.stderr}`);
      assert.match(ran.stderr, message);
      assert.equal(ran.stderr.trim().split("\n").length, 1, ran.stderr);
    }
    // No Slurm client on PATH: a clear message, not a crash.
    const emptyBin = await Deno.makeTempDir();
    const noSlurm = await sweep([config, "--slurm", "--out", out], { PATH: emptyBin });
    assert.equal(noSlurm.code, 2, noSlurm.stderr);
    assert.match(noSlurm.stderr, /sbatch is not on PATH: --slurm needs Slurm's client programs/);
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
    // A folder of other results is not taken over.
    await Deno.mkdir(`${dir}/busy`);
    await Deno.writeTextFile(`${dir}/busy/rows.jsonl`, "");
    const busy = await sweep([config, "--slurm", "--out", `${dir}/busy`, "--dry-run"], {});
    assert.equal(busy.code, 2);
    assert.match(busy.stderr, /is not empty and holds no Slurm sweep/);
    // A dry run prints the script and writes nothing.
    const dry = await sweep([config, "--slurm", "--shards", "2", "--out", out, "--dry-run"], {});
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^#!\/bin\/bash\n#SBATCH --job-name=eqai-smoke\n#SBATCH --array=0-1/);
    assert.match(dry.stderr, /nothing was written or submitted/);
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
