// The Detect view's colour map covers exactly the image, through the letterbox, for any image size:
// every screen pixel of the image shows a feature cell (none of the picture shows through at the
// right or bottom edge), and cells that fall in the letterbox padding are not drawn.
//
// The broken test model's left wh channel is dead (all zeros, black in the colour map), so with the
// "wh left" map at full opacity the broken panel's image must be black everywhere, corners and edges
// included, while the test image itself is light grey.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { PNG } from "pngjs";
import { startExplorer, dropFiles, state, waitFor, bothDone, openWithModels, screenshot } from "./harness.mjs";

const GREY = 200;

function greyPng(width, height) {
  const png = new PNG({ width, height });
  png.data.fill(GREY);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  return PNG.sync.write(png);
}

let explorer;
before(async () => { explorer = await startExplorer({ webgpu: false }); });
after(async () => { await explorer?.close(); });

test("the colour map covers exactly the image for tall, wide, square and small images", async () => {
  const { page } = await openWithModels(explorer);
  await page.evaluate(() => {
    window.deadzone.call("dz_set_decode_params", null, ["number", "number"], [0.999, 100]); // no boxes on top
    window.deadzone.call("dz_set_overlay", null, ["number"], [2]); // wh left
    window.deadzone.call("dz_set_overlay_opacity", null, ["number"], [1]);
  });
  for (const [w, h] of [[283, 372], [640, 400], [384, 384], [90, 700], [700, 90], [37, 23]]) {
    const gen = (await state(page)).image.generation;
    await dropFiles(page, [{ name: `grey-${w}x${h}.png`, bytes: greyPng(w, h) }]);
    await waitFor(page, bothDone(gen + 1));
    const s = await waitFor(page, `s.panels[0].overlay_rect[2] > 0`, 10000);
    const [x0, y0, scale] = s.panels[0].image_rect;
    const x1 = x0 + w * scale, y1 = y0 + h * scale;
    const [ox0, oy0, ox1, oy1] = s.panels[0].overlay_rect;
    for (const [got, want, what] of [[ox0, x0, "left"], [oy0, y0, "top"], [ox1, x1, "right"], [oy1, y1, "bottom"]])
      assert.ok(Math.abs(got - want) < 0.5, `${w}x${h}: overlay ${what} edge at ${got}, image's at ${want}`);

    // Pixels: every whole screen pixel inside the image is the dead channel's black, none grey.
    await page.waitForTimeout(150);
    const png = await screenshot(page, `overlay-${w}x${h}`);
    let grey = 0, seen = 0;
    const check = (x, y) => {
      const i = (y * png.width + x) * 4;
      ++seen;
      if (png.data[i] + png.data[i + 1] + png.data[i + 2] > 3 * 40) ++grey;
    };
    const [ax, ay, bx, by] = [Math.ceil(x0), Math.ceil(y0), Math.floor(x1) - 1, Math.floor(y1) - 1];
    for (let x = ax; x <= bx; ++x) check(x, ay), check(x, by);
    for (let y = ay; y <= by; ++y) check(ax, y), check(bx, y);
    for (let y = ay; y <= by; y += 7) for (let x = ax; x <= bx; x += 7) check(x, y);
    assert.ok(seen > 100, `${w}x${h}: too few pixels sampled (${seen})`);
    assert.equal(grey, 0, `${w}x${h}: ${grey} of ${seen} image pixels not covered by the colour map`);
  }
  await page.close();
});
