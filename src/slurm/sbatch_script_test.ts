import assert from "node:assert/strict";
import { arrayScript, arraySpec, mergeScript, shardDirName, shellQuote } from "./sbatch_script.ts";
import { parseSacct, parseScontrol, parseSqueue, slurmErrorLine } from "./slurm_commands.ts";

Deno.test("arraySpec compresses indices into sbatch's range syntax", () => {
  assert.deepEqual(arraySpec([0, 1, 2, 5]), "0-2,5");
  assert.deepEqual(arraySpec([3]), "3");
  assert.deepEqual(arraySpec([7, 1, 2, 2, 9, 8]), "1-2,7-9");
});

Deno.test("shardDirName sorts by name and names the count", () => {
  assert.deepEqual(shardDirName(3, 12), "shard-03-of-12");
  assert.deepEqual(shardDirName(1, 2), "shard-1-of-2");
});

Deno.test("shellQuote leaves plain words and quotes the rest for bash", async () => {
  assert.deepEqual(shellQuote("/a/b-c_1.json"), "/a/b-c_1.json");
  const odd = "it's a $HOME `x`";
  const echoed = await new Deno.Command("bash", {
    args: ["-c", `printf %s ${shellQuote(odd)}`],
    stdout: "piped",
  }).output();
  assert.deepEqual(new TextDecoder().decode(echoed.stdout), odd);
});

Deno.test("the array script runs shard i+1 of N with Slurm's CPU count as threads", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A stand-in for Deno that prints what it was started with: the script's real work.
    const fakeDeno = `${dir}/fake deno`;
    await Deno.writeTextFile(
      fakeDeno,
      '#!/bin/bash\necho "threads=$EQUALAIS_THREADS dir=$DENO_DIR pwd=$PWD"\nprintf "%s\\n" "$@"\n',
    );
    await Deno.chmod(fakeDeno, 0o755);
    const script = arrayScript({
      jobName: "eqai-tiny",
      runDir: `${dir}/run`,
      projectDir: dir,
      denoPath: fakeDeno,
      denoDir: "/shared/deno",
      configPath: `${dir}/run/config.json`,
      shards: 12,
      indices: [0, 1, 4],
      backend: "webgpu",
      resources: { partition: "gpu", time: "01:00:00", cpusPerTask: 3, mem: "8G", gpus: 1 },
    });
    for (
      const directive of [
        "#SBATCH --array=0-1,4",
        "#SBATCH --partition=gpu",
        "#SBATCH --time=01:00:00",
        "#SBATCH --cpus-per-task=3",
        "#SBATCH --mem=8G",
        "#SBATCH --gpus=1",
        `#SBATCH --output=${dir}/run/slurm/logs/%A_%a.out`,
      ]
    ) assert.ok(script.includes(directive), directive);
    const path = `${dir}/array.sbatch`;
    await Deno.writeTextFile(path, script);
    const run = await new Deno.Command("bash", {
      args: [path],
      env: { SLURM_ARRAY_TASK_ID: "4", SLURM_CPUS_PER_TASK: "3", SLURM_JOB_ID: "77" },
      stdout: "piped",
    }).output();
    assert.deepEqual(run.success, true);
    const lines = new TextDecoder().decode(run.stdout).trim().split("\n");
    assert.deepEqual(lines[0], "equalais: shard 5/12 on " + Deno.hostname() + ", job 77");
    assert.deepEqual(lines[1], `threads=3 dir=/shared/deno pwd=${dir}`);
    assert.deepEqual(lines.slice(2), [
      "run",
      "-A",
      "src/cli/sweep.ts",
      `${dir}/run/config.json`,
      "--shard",
      "5/12",
      "--out",
      `${dir}/run/shard-05-of-12`,
      "--backend",
      "webgpu",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the merge script merges the run folder", () => {
  const script = mergeScript({
    jobName: "eqai-tiny",
    runDir: "/r",
    projectDir: "/p",
    denoPath: "/d/deno",
    configPath: "/r/config.json",
    resources: { partition: "debug" },
  });
  assert.ok(script.includes("#SBATCH --partition=debug"));
  assert.match(script, /exec \/d\/deno run -A src\/cli\/sweep\.ts merge \/r\n/);
});

Deno.test("Slurm's answers parse into array-task states (formats of slurm-wlm 22.05)", () => {
  assert.deepEqual(
    parseSqueue("2 PENDING\n3 PENDING\n1 RUNNING\n0 RUNNING\n"),
    new Map([[2, "PENDING"], [3, "PENDING"], [1, "RUNNING"], [0, "RUNNING"]]),
  );
  const scontrol = [
    "JobId=3 ArrayJobId=3 ArrayTaskId=2-3,6 JobName=t UserId=root(0) JobState=PENDING Reason=None",
    "JobId=5 ArrayJobId=3 ArrayTaskId=1 JobName=t UserId=root(0) JobState=RUNNING Reason=None",
  ].join("\n");
  assert.deepEqual(
    parseScontrol(scontrol),
    new Map([[2, "PENDING"], [3, "PENDING"], [6, "PENDING"], [1, "RUNNING"]]),
  );
  assert.deepEqual(
    parseSacct("12_0|COMPLETED\n12_1|CANCELLED by 0\n12_[2-3]|PENDING\n"),
    new Map([[0, "COMPLETED"], [1, "CANCELLED"]]),
  );
  assert.deepEqual(
    slurmErrorLine(
      "sbatch: error: invalid partition specified: nope\n" +
        "sbatch: error: Batch job submission failed: Invalid partition name specified",
    ),
    "invalid partition specified: nope",
  );
});
