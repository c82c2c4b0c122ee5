// The Detect view's colour maps: each has a colour bar with its range and units, the heatmap a class
// choice, and the map covers exactly the image, through the letterbox, for any image size:
// every screen pixel of the image shows a feature cell (none of the picture shows through at the
// right or bottom edge), and cells that fall in the letterbox padding are not drawn.
//
// The broken test model's left wh channel is dead (all zeros, black in the colour map), so with the
// "wh left" map at full opacity the broken panel's image must be black everywhere, corners and edges
// included, while the test image itself is light grey.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";
import { startExplorer, dropFiles, state, waitFor, bothDone, openWithModels, screenshot, repoRoot } from "./harness.mjs";

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

test("each colour map has a colour bar with its range and units, and the heatmap a class choice", async () => {
  const { page } = await openWithModels(explorer);
  const gen = (await state(page)).image.generation;
  await dropFiles(page, [{ name: "blobs-wide.png", bytes: fs.readFileSync(path.join(repoRoot, "assets/images/blobs-wide.png")) }]);
  await waitFor(page, bothDone(gen + 1));
  await page.evaluate(() => window.deadzone.call("dz_set_overlay", null, ["number"], [3])); // wh top
  let s = await waitFor(page, `s.panels.every((p) => p.colour_bar)`, 10000);
  for (const p of s.panels) {
    assert.match(p.colour_bar.title, /^wh top: centre to top edge/);
    assert.equal(p.colour_bar.units, "input px");
    assert.equal(p.colour_bar.min, 0);
    const largest = Math.max(...p.channels.map((c) => c.post.max));
    assert.ok(Math.abs(p.colour_bar.max - largest) < 1e-3 * largest, `bar top ${p.colour_bar.max}, largest wh ${largest}`);
  }
  await page.evaluate(() => window.deadzone.call("dz_set_overlay", null, ["number"], [1])); // heatmap
  s = await waitFor(page, `s.panels.every((p) => p.colour_bar && p.colour_bar.units === "probability")`, 10000);
  assert.ok(s.panels.every((p) => p.colour_bar.max === 1 && /best class/.test(p.colour_bar.title)));
  // One class at a time: the map and the bar's title follow the choice.
  await screenshot(page, "heatmap-best-class");
  const brightness = async (name) => {
    const png = await screenshot(page, name);
    const [x0, y0, scale] = s.panels[1].image_rect;
    let sum = 0;
    for (let y = Math.ceil(y0); y < y0 + s.image.height * scale - 1; y += 3)
      for (let x = Math.ceil(x0); x < x0 + s.image.width * scale - 1; x += 3) sum += png.data[(y * png.width + x) * 4];
    return sum;
  };
  const all = await brightness("heatmap-all");
  const perClass = [];
  for (const c of [0, 1]) {
    await page.evaluate((k) => window.deadzone.call("dz_set_heatmap_class", null, ["number"], [k]), c);
    s = await waitFor(page, `s.panels.every((p) => p.overlay_class === ${c} && p.colour_bar && !/best class/.test(p.colour_bar.title))`, 10000);
    await page.waitForTimeout(150);
    perClass.push(await brightness(`heatmap-class-${c}`));
  }
  assert.notEqual(perClass[0], perClass[1], "both classes show the same map");
  assert.ok(perClass.every((b) => b < all), `one class (${perClass}) is not darker than the best of all (${all})`);
  await page.close();
});
