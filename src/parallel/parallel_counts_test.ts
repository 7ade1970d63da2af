/**
 * Judging spread over the main thread and a gradient worker counts exactly what each
 * detector counts on the main thread, white-box or not, and survives a worker that dies.
 */
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { loadDetector } from "../detectors/registry.ts";
import { readSample, resizeImage } from "../testing/fixtures.ts";
import { countFacesInParallel, slowestFirst } from "./parallel_counts.ts";
import { gradientWorkers } from "./gradient_workers.ts";

Deno.test("face counts on two threads equal each detector's own on the main thread; a dead worker's share is counted on the main thread", async (t) => {
  await initBackend("wasm");
  const images = [
    await resizeImage(await readSample(1), 480),
    await resizeImage(await readSample(4), 360),
  ];
  // SSD first: the worker lane takes it; a black-box judge and a BlazeFace model stay on main.
  const ids = ["faceapi-ssd", "haar", "blazeface-back"];
  const expected: number[][] = [];
  for (const id of ids) {
    const detector = await loadDetector(id);
    expected.push([]);
    for (const image of images) expected.at(-1)!.push((await detector.detect(image)).length);
  }
  assert.ok(expected.flat().some((n) => n > 0), "the samples show faces to count");
  const jobs = ids.map((id) => ({ id, images }));

  await t.step("two threads", async () => {
    const done: string[] = [];
    const counts = await countFacesInParallel(jobs, {
      threads: 2,
      onDone: (id) => done.push(id),
    });
    assert.deepEqual(counts, expected);
    assert.deepEqual([...done].sort(), [...ids].sort(), "each detector reported once");
  });

  await t.step("a worker that dies", async () => {
    const [worker] = gradientWorkers(1, "wasm");
    worker.crashOnNextRequest("exit");
    const counts = await countFacesInParallel(jobs, { threads: 2 });
    assert.deepEqual(counts, expected);
    assert.notEqual(gradientWorkers(1, "wasm")[0], worker, "the worker got a request and died");
  });

  await t.step("a cancelled judging stops before the next detector", async () => {
    let started = 0;
    await assert.rejects(
      countFacesInParallel(jobs, {
        threads: 2,
        checkAbort: () => {
          if (++started > 1) throw new Error("cancelled");
        },
      }),
      /cancelled/,
    );
  });
});

Deno.test("detectors are ordered slowest first at the photo's size; those without a cost last", async () => {
  await initBackend("wasm");
  const ids = ["haar", "blazeface-front", "faceboxes", "faceapi-ssd"];
  const detectors = await Promise.all(ids.map((id) => loadDetector(id)));
  // Step costs: SSD about 0.5 s, front 16 ms, FaceBoxes 280 ms per megapixel of the photo.
  assert.deepEqual(
    slowestFirst(detectors, 188, 250).map((d) => d.id),
    ["faceapi-ssd", "blazeface-front", "faceboxes", "haar"],
  );
  assert.deepEqual(
    slowestFirst(detectors, 1500, 2000).map((d) => d.id),
    ["faceboxes", "faceapi-ssd", "blazeface-front", "haar"],
  );
});
