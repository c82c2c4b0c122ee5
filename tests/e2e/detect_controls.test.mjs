// The Detect view's sliders: a click or drag snaps to round values (so aiming at 0.30 gives 0.30, not
// 0.29), and Ctrl+click types an exact value, which is kept as typed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startExplorer, state, waitFor, openWithModels } from "./harness.mjs";

let explorer;
before(async () => { explorer = await startExplorer({ webgpu: false }); });
after(async () => { await explorer?.close(); });

// Presses the slider `name` at the point that stands for `value` (a linear slider from lo to hi).
async function pressSliderAt(page, name, value, lo, hi) {
  const s = await waitFor(page, `s.widgets && ${JSON.stringify(name)} in s.widgets`, 10000);
  const [x, y, w, h] = s.widgets[name];
  const grab = 12; // ImGui's grab: the value's point is its centre, inside the frame's padding
  const px = x + grab / 2 + 2 + ((value - lo) / (hi - lo)) * (w - grab - 4);
  await page.mouse.move(px, y + h / 2);
  await page.waitForTimeout(100);
  await page.mouse.down();
  await page.waitForTimeout(80);
  await page.mouse.up();
  await page.waitForTimeout(100);
}

// Ctrl+clicks the slider `name` and types `text` into ImGui's input, then Enter.
async function typeIntoSlider(page, name, text) {
  const [x, y, w, h] = (await state(page)).widgets[name];
  await page.mouse.move(x + w / 2, y + h / 2);
  await page.waitForTimeout(100);
  await page.keyboard.down("Control");
  await page.mouse.down();
  await page.waitForTimeout(80);
  await page.mouse.up();
  await page.keyboard.up("Control");
  await page.waitForTimeout(150);
  await page.keyboard.press("Control+A");
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
}

test("score threshold and top-K snap when clicked and keep a typed value", async () => {
  const { page } = await openWithModels(explorer);
  for (const aim of [0.29, 0.71, 0.12]) {
    await pressSliderAt(page, "detect:score-threshold", aim, 0.01, 0.99);
    const t = (await state(page)).params.score_threshold;
    assert.ok(Math.abs(t * 20 - Math.round(t * 20)) < 1e-4, `aiming at ${aim} gave ${t}, not a multiple of 0.05`);
    assert.ok(Math.abs(t - aim) <= 0.05, `aiming at ${aim} gave ${t}`);
  }
  await pressSliderAt(page, "detect:top-k", 38, 1, 100);
  const k = (await state(page)).params.top_k;
  assert.equal(k % 5, 0, `top-K ${k} is not a multiple of 5`);

  // Ctrl+click opens ImGui's text input; the typed value is kept exactly, one outside the range is
  // clamped to it.
  await typeIntoSlider(page, "detect:score-threshold", "0.07");
  const s = await waitFor(page, `Math.abs(s.params.score_threshold - 0.07) < 1e-6`, 5000);
  assert.ok(Math.abs(s.params.score_threshold - 0.07) < 1e-6);
  await typeIntoSlider(page, "detect:score-threshold", "7");
  await waitFor(page, `Math.abs(s.params.score_threshold - 0.99) < 1e-6`, 5000);
  await page.close();
});
