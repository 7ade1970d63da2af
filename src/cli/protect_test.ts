/**
 * The `protect` command as a user runs it: JSON report, budget on the written file,
 * reproducibility, and every kind of bad input refused in one line with nothing written.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { runCliScript } from "../testing/run_cli_script.ts";
import { readImage } from "../image/decode.ts";
import { linf } from "../metrics/perturbation_norms.ts";
import { SAMPLE_PATHS } from "../testing/fixtures.ts";
import { DETECTOR_IDS } from "../detectors/registry.ts";
import type { ProtectReport } from "../protect/protect_file.ts";
import { readMarks } from "../marks/metadata.ts";
import { DEFAULT_STEGO_MESSAGE } from "../stego/message.ts";

function runProtect(args: string[]) {
  return runCliScript("protect.ts", args);
}

async function smallSample(dir: string): Promise<string> {
  const path = `${dir}/sample1-small.jpg`;
  await sharp(SAMPLE_PATHS[0]).resize({ width: 480 }).jpeg({ quality: 92 }).toFile(path);
  return path;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("protect --json: report shape, budget on the written file, same seed gives same bytes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-protect-" });
  try {
    const input = await smallSample(dir);
    const args = (out: string) => [
      input,
      "-o",
      out,
      "--attacked",
      "blazeface-front",
      "--steps",
      "20",
      "--eps",
      "12",
      "--no-robust",
      "--seed",
      "7",
      // Accepted (an unknown switch is refused): one attempt, whatever the SSIM.
      "--no-second-attempt",
      // The perturbation alone, so its budget can be checked exactly on the written file.
      "--no-stego",
      "--no-badge",
      "--no-metadata",
      "--json",
      "--quiet",
    ];
    const first = await runProtect(args(`${dir}/a.png`));
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout) as ProtectReport;
    for (
      const key of [
        "input",
        "output",
        "backend",
        "preset",
        "layers",
        "attack",
        "balance",
        "eps",
        "budget",
        "fully_protected",
        "steps_run",
        "seconds",
        "psnr_db",
        "ssim",
        "linf",
        "judges",
        "stego",
        "badge",
        "metadata",
        "removed_metadata",
        "notes",
      ]
    ) assert.ok(key in report, `missing ${key}`);
    assert.equal(report.backend, "wasm");
    assert.equal(report.preset, "standard");
    assert.equal(report.balance, "off");
    assert.deepEqual(report.layers, {
      perturbation: true,
      stego: false,
      badge: false,
      metadata: false,
    });
    assert.equal(report.stego, null);
    assert.equal(report.metadata.dataMining, null);
    assert.equal(report.attack, "jnd-pgd");
    // Escalation tried 7.75 first, then the ceiling 12 only if a face was left.
    assert.equal(report.budget.ceiling, 12);
    assert.equal(report.budget.tried[0].eps, 7.75);
    // The photo keeps the budget whose candidate left fewest faces (the smaller on a tie).
    const best = Math.min(...report.budget.tried.map((r) => r.facesLeft));
    assert.equal(report.eps, report.budget.tried.find((r) => r.facesLeft === best)!.eps);
    assert.equal(
      report.fully_protected,
      report.judges["blazeface-front"].protected === 0 &&
        report.judges["blazeface-front"].after_jpeg75 === 0,
    );
    assert.deepEqual(Object.keys(report.judges), [...DETECTOR_IDS]);
    assert.equal(report.judges["blazeface-front"].clean, 3);
    assert.ok(report.judges["blazeface-front"].protected < 3, "no face was hidden");
    // The budget holds exactly on the written file.
    const clean = await readImage(input);
    const written = await readImage(`${dir}/a.png`);
    assert.ok(linf(clean, written) <= 12, `L-inf ${linf(clean, written)}`);
    assert.equal(report.linf, linf(clean, written));
    assert.ok(report.psnr_db > 35 && report.ssim > 0.95);
    // Same seed, input and backend: byte-identical output.
    const second = await runProtect(args(`${dir}/b.png`));
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(await Deno.readFile(`${dir}/a.png`), await Deno.readFile(`${dir}/b.png`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("protect --attacked haar-smooth: the Haar cascade is attacked and judged on the written file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-protect-haar-" });
  try {
    const out = `${dir}/out.jpg`;
    const run = await runProtect([
      "data/dev/aksel-andersson-w256.jpg",
      "-o",
      out,
      "--attacked",
      "haar-smooth",
      "--refine-steps",
      "0",
      "--no-second-attempt",
      "--json",
      "--quiet",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as ProtectReport;
    // The surrogate is judged beside every registered detector, with the real cascade's boxes.
    assert.deepEqual(Object.keys(report.judges), [...DETECTOR_IDS, "haar-smooth"]);
    assert.equal(report.judges["haar-smooth"].clean, 1);
    assert.equal(report.judges["haar"].clean, 1);
    assert.equal(report.fully_protected, true, JSON.stringify(report.judges["haar-smooth"]));
    assert.equal(report.judges["haar-smooth"].protected, 0);
    assert.equal(report.judges["haar-smooth"].after_jpeg75, 0);
    assert.equal(report.judges["haar"].protected, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("protect refuses bad input in one line, exits non-zero and writes nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-protect-bad-" });
  try {
    const input = await smallSample(dir);
    const text = `${dir}/notes.jpg`;
    await Deno.writeTextFile(text, "not a photo");
    const tiny = `${dir}/tiny.jpg`;
    await sharp(SAMPLE_PATHS[0]).resize({ width: 60 }).jpeg().toFile(tiny);
    const out = `${dir}/out.png`;
    const cases: [string[], RegExp][] = [
      [[input, "-o", out, "--eps", "0"], /--eps must be greater than 0 and at most 64/],
      [[input, "-o", out, "--eps", "65"], /--eps must be greater than 0 and at most 64/],
      [[input, "-o", out, "--eps", "abc"], /--eps must be a number/],
      [[input, "-o", out, "--eps", "3"], /budget ceiling 3 is below the smallest budget/],
      [[input, "-o", out, "--steps", "0"], /--steps must be between 1 and 10000/],
      [[input, "-o", out, "--steps", "10001"], /--steps must be between 1 and 10000/],
      [[input, "-o", out, "--refine-steps=-1"], /--refine-steps must be between 0 and 10000/],
      [[input, "-o", out, "--refine-steps", "2.5"], /--refine-steps must be a whole number/],
      [[input, "-o", out, "--shrink-checks", "21"], /--shrink-checks must be between 0 and 20/],
      [[input, "-o", out, "--region-checks", "129"], /--region-checks must be between 0 and 128/],
      [[input, "-o", out, "--attack", "deepfool"], /unknown attack "deepfool"/],
      [[input, "-o", out, "--preset", "extreme"], /unknown preset "extreme"; choose from light/],
      [[input, "-o", out, "--badge-position", "middle"], /unknown badge position "middle"/],
      [[input, "-o", out, "--badge-size", "2"], /--badge-size must be between 0.02 and 0.2/],
      [[input, "-o", out, "--message", ""], /hidden message must be a non-empty text/],
      [
        [input, "-o", out, "--preset", "every-family"],
        /unknown preset "every-family"; choose from light, standard, strong, all-families, standard-haar$/m,
      ],
      // An attacked set with no white-box member.
      [[input, "-o", out, "--attacked", "haar"], /--attacked: haar cannot be attacked/],
      [[input, "-o", out, "--attacked", "human,haar"], /human, haar cannot be attacked/],
      [
        [input, "-o", out, "--attacked", "yolo"],
        /unknown detector "yolo"; choose from .*all-families/,
      ],
      [[input, "-o", out, "--balance", "even"], /--balance must be one of off, log, adaptive/],
      [
        [input, "-o", out, "--weights", "1,-1,1"],
        /--weights: weight of blazeface-front must be a number >= 0, got -1$/m,
      ],
      [[input, "-o", out, "--weights", "0,0,0"], /--weights: weights are all zero/],
      [[input, "-o", out, "--weights", "1,x,1"], /--weights: "x" is not a number/],
      [
        [input, "-o", out, "--weights", "1,2"],
        /--weights gives 2 numbers for 3 attacked detectors \(blazeface-back, /,
      ],
      [[input, "-o", input.replace("/sample1-small", "/./sample1-small")], /refusing to overwrite/],
      [
        [input, "-o", `${dir}/missing-folder/out.png`],
        /cannot write there \(folder does not exist\)/,
      ],
      [[input, "-o", `${dir}/out.gif`], /output must end in \.png, \.jpg, \.jpeg or \.webp/],
      [[input], /no output path given/],
      [[`${dir}/nope.jpg`, "-o", out], /file not found/],
      [[text, "-o", out], /not a JPEG, PNG or WebP image/],
      [
        [tiny, "-o", out],
        /tiny\.jpg: photo is 60x40; the short side must be at least 64 px to hold a face$/m,
      ],
    ];
    for (const [args, pattern] of cases) {
      const { code, stdout, stderr } = await runProtect([...args, "--quiet"]);
      assert.notEqual(code, 0, `${args.join(" ")} succeeded`);
      assert.equal(stdout, "");
      assert.equal(stderr.trim().split("\n").length, 1, stderr);
      assert.match(stderr, pattern);
      assert.ok(!/^\s+at /m.test(stderr));
      assert.ok(!(await exists(out)), `${args.join(" ")} left ${out}`);
    }
    // Nothing but the inputs: no temporary files left either.
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, ["notes.jpg", "sample1-small.jpg", "tiny.jpg"]);
    // The input itself is untouched.
    assert.ok(await exists(input));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("by default every layer is applied: orientation kept, the input's EXIF replaced by the marks", async () => {
  const dir = await Deno.makeTempDir({ prefix: "equalais-protect-exif-" });
  try {
    const input = `${dir}/tagged.jpg`;
    // Stored landscape with "rotate 90" orientation, a camera serial and a GPS position.
    await sharp(SAMPLE_PATHS[0]).resize({ width: 480 }).jpeg({ quality: 92 })
      .withExif({
        IFD0: { Make: "TestCam", Model: "X1", BodySerialNumber: "SN-123456" },
        IFD3: { GPSLatitudeRef: "N", GPSLatitude: "52/1 31/1 0/1" },
      })
      .withMetadata({ orientation: 6 })
      .toFile(input);
    const before = await sharp(input).metadata();
    assert.ok(before.exif && new TextDecoder("latin1").decode(before.exif).includes("SN-123456"));
    for (const name of ["out.png", "out.jpg", "out.webp"]) {
      const { code, stdout, stderr } = await runProtect([
        input,
        "-o",
        `${dir}/${name}`,
        "--attacked",
        "blazeface-front",
        "--steps",
        "1",
        "--no-robust",
        "--badge-text",
        "Please do not scan",
        "--json",
        "--quiet",
      ]);
      assert.equal(code, 0, stderr);
      const report = JSON.parse(stdout) as ProtectReport;
      assert.deepEqual(report.layers, {
        perturbation: true,
        stego: true,
        badge: true,
        metadata: true,
      });
      assert.deepEqual(report.removed_metadata, [
        "GPS position",
        "camera make and model",
        "camera serial number",
      ]);
      assert.equal(report.stego?.output.message, DEFAULT_STEGO_MESSAGE, name);
      const bytes = await Deno.readFile(`${dir}/${name}`);
      const marks = await readMarks(bytes);
      assert.equal(marks.dataMining, "DMI-PROHIBITED", name);
      assert.deepEqual(marks.identifying, [], name);
      const after = await sharp(bytes).metadata();
      assert.ok(after.orientation === undefined || after.orientation === 1, name);
      // Rotated upright: the stored 480x320 became 320x480.
      assert.deepEqual([after.width, after.height], [320, 480], name);
      const text = new TextDecoder("latin1").decode(bytes);
      assert.ok(!text.includes("SN-123456") && !text.includes("TestCam"), `${name} leaks EXIF`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
