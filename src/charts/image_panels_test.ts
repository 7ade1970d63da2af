import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { dataUrl, imagePanelsFigure } from "./image_panels.ts";

const BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);

Deno.test("imagePanelsFigure: an image trace per photo, boxes as rectangles on its axes", () => {
  const figure = imagePanelsFigure([
    { title: "before", bytes: BYTES, width: 200, height: 100, boxes: [{ box: [10, 20, 30, 40] }] },
    {
      title: "after",
      bytes: BYTES,
      format: "jpeg",
      width: 200,
      height: 100,
      boxes: [{ box: [1, 2, 3, 4], color: "red" }, { box: [5, 6, 7, 8] }],
    },
  ], { title: "t", panelWidth: 300 });
  assert.equal(figure.data.length, 2);
  assert.equal(figure.data[0].type, "image");
  assert.equal(figure.data[1].xaxis, "x2");
  assert.match(figure.data[1].source as string, /^data:image\/jpeg;base64,/);
  const shapes = figure.layout.shapes as Record<string, unknown>[];
  assert.equal(shapes.length, 3);
  assert.deepEqual(
    [shapes[0].xref, shapes[0].x0, shapes[0].y0, shapes[0].x1, shapes[0].y1],
    ["x", 10, 20, 40, 60],
  );
  assert.deepEqual([shapes[1].xref, (shapes[1].line as { color: string }).color], ["x2", "red"]);
  assert.equal(figure.layout.width, 2 * 300 + 40);
  assert.equal((figure.layout.yaxis2 as { scaleanchor: string }).scaleanchor, "x2");
  assert.throws(() => imagePanelsFigure([]), RangeError);
});

Deno.test("dataUrl round-trips the bytes", () => {
  const url = dataUrl(BYTES);
  assert.deepEqual(new Uint8Array(Buffer.from(url.split(",")[1], "base64")), BYTES);
});
