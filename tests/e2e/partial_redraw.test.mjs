// Partial redraw (wasm/partial_redraw.h) end to end: after each kind of change a user makes in the
// animated views (particles moving, scrubbing, another channel, another view, the what-if rerun),
// the canvas drawn from the changed tiles only is pixel for pixel the canvas drawn whole; the
// partial path is really taken (some tiles, not all); and a frame where nothing changed draws none.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startExplorer, openPage, waitForApp, screenshot, state, waitFor, clickWidget } from "./harness.mjs";

let explorer;
before(async () => { explorer = await startExplorer({ webgpu: false }); });
after(async () => { await explorer?.close(); });

const call = (page, name, types, args) =>
  page.evaluate(([n, t, a]) => window.deadzone.call(n, "number", t, a), [name, types, args]);

// Waits until `frames` more frames have been drawn, so that the last change is on the canvas.
async function framesLater(page, frames = 2) {
  const f0 = (await state(page)).frame;
  return waitFor(page, `s.frame >= ${f0 + frames}`, 10000);
}

function differingPixels(a, b) {
  assert.equal(a.width, b.width);
  assert.equal(a.height, b.height);
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4)
    if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) ++n;
  return n;
}

test("a partially redrawn canvas equals the full redraw after every kind of change", async () => {
  const { page, problems } = await openPage(explorer);
  const status = await waitForApp(page);
  assert.equal(status.error, null, `app failed to start: ${status.error}`);
  await page.evaluate(() => window.deadzone.call("dz_open_shipped_replay", null, [], []));
  await waitFor(page, `s.replay.runs.length === 2 && s.replay.runs.every((r) => !r.loading)`, 60000);
  await call(page, "dz_set_view", ["string"], ["flow"]);
  await clickWidget(page, "flow:animate"); // particles still: each change below is the only one
  await waitFor(page, `!s.flow.animating`, 10000);
  await clickWidget(page, "whatif:play");
  await waitFor(page, `!s.flow.what_if.playing`, 10000);
  await page.mouse.move(1270, 795); // away from every widget: no hover, no tooltip
  await page.waitForTimeout(900);    // past the input's full-rate drawing

  const death = (await state(page)).replay.runs[0].deaths?.[0]?.died_at ?? 2;
  const changes = [
    ["particles move", () => call(page, "dz_flow_set_phase", ["number"], [0.2])],
    ["particles go back", () => call(page, "dz_flow_set_phase", ["number"], [0.7])],
    ["scrub to the death", () => call(page, "dz_replay_set_step", ["number"], [death])],
    ["another channel", () => call(page, "dz_replay_set_channel", ["number"], [2])],
    ["what-if rerun", () => call(page, "dz_what_if_set", ["string"], [JSON.stringify({ seed: 3 })])],
    ["Replay view", () => call(page, "dz_set_view", ["string"], ["replay"])],
    ["scrub in Replay", () => call(page, "dz_replay_set_step", ["number"], [40])],
    ["back to Gradient flow", () => call(page, "dz_set_view", ["string"], ["flow"])],
  ];
  let partialFrames = 0;
  for (const [name, change] of changes) {
    const before = (await state(page)).redraw.frames_partial;
    await change();
    // The what-if rerun plays: pause it so that both captures show the same simulated step.
    if (name === "what-if rerun") {
      await page.waitForTimeout(300);
      await clickWidget(page, "whatif:play");
      await waitFor(page, `!s.flow.what_if.playing`, 10000);
      await page.mouse.move(1270, 795);
      await page.waitForTimeout(900);
      await call(page, "dz_flow_set_phase", ["number"], [0.3]);
    }
    const s = await framesLater(page);
    if (s.redraw.frames_partial > before) ++partialFrames;
    const partial = await screenshot(page, `partial-redraw-${partialFrames}-partial`);
    await call(page, "dz_set_partial_redraw", ["number"], [0]);
    await framesLater(page);
    const whole = await screenshot(page, `partial-redraw-${partialFrames}-full`);
    await call(page, "dz_set_partial_redraw", ["number"], [1]);
    await framesLater(page);
    assert.equal(differingPixels(partial, whole), 0, `${name}: the partial redraw differs from the full one`);
  }
  assert.ok(partialFrames >= 4, `the partial path was taken on ${partialFrames} of ${changes.length} changes`);

  // Nothing changed: a requested frame draws no tile.
  await call(page, "dz_replay_set_channel", ["number"], [2]);
  const idle = (await framesLater(page, 3)).redraw;
  assert.equal(idle.full, false);
  assert.equal(idle.dirty_tiles, 0);
  assert.ok(idle.triangles > 1000, "the view still has its triangles");
  assert.deepEqual(problems, []);
  await page.close();
});
