// The Gradient flow view end to end, on the shipped runs: the share of the left channel's samples
// that pass gradient goes from > 0 before the broken run's death to exactly 0 at it while the fix's
// stays > 0; the table's numbers are those of the recorded histogram (recomputed here in Node); the
// what-if presets die and live as the native tests say; the particles move and pause. Frames of the
// animation are written for the README.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { PNG } from "pngjs";
import { writeApng } from "./apng.mjs";
import { startExplorer, openPage, waitForApp, screenshot, repoRoot, outputDir, state, waitFor, clickWidget } from "./harness.mjs";

const TELEMETRY = path.join(repoRoot, "assets/telemetry");
const records = (name) => zlib.gunzipSync(fs.readFileSync(path.join(TELEMETRY, name + ".jsonl.gz"))).toString("utf8")
  .split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));

// The death step of the broken run's left channel, as the file records it.
const broken = records("broken");
const DEATH = broken.find((r) => r.type === "event" && r.kind === "channel_death" && r.channel === 0).step;

// core's histogram_samples, from its documented definition (gradient_flow.h): sample k of n at the
// quantile (k + 0.5) / n of the piecewise-uniform density of the counts.
function histogramSamples(h, n) {
  const total = h.counts.reduce((a, b) => a + Math.max(0, b), 0);
  const width = (h.hi - h.lo) / h.counts.length;
  const out = [];
  let bin = 0, below = 0;
  for (let k = 0; k < n; ++k) {
    const q = (k + 0.5) / n * total;
    while (bin + 1 < h.counts.length && below + Math.max(0, h.counts[bin]) <= q) below += Math.max(0, h.counts[bin++]);
    const inBin = Math.max(0, h.counts[bin]);
    const frac = inBin > 0 ? Math.min(1, Math.max(0, (q - below) / inBin)) : 0.5;
    out.push(h.lo + (bin + frac) * width);
  }
  return out;
}
const sigmoid = (x) => 1 / (1 + Math.exp(-x));

let explorer;
before(async () => { explorer = await startExplorer({ webgpu: false }); });
after(async () => { await explorer?.close(); });

async function openFlow() {
  const { page, problems } = await openPage(explorer);
  const status = await waitForApp(page);
  assert.equal(status.error, null, `app failed to start: ${status.error}`);
  await page.evaluate(() => window.deadzone.call("dz_set_view", null, ["string"], ["flow"]));
  await waitFor(page, `s.view === "flow"`, 10000);
  return { page, problems };
}

const setStep = (page, step) => page.evaluate((n) => window.deadzone.call("dz_replay_set_step", null, ["number"], [n]), step);

test("scrubbing to the death: the broken run's left channel stops passing gradient, the fix's does not", async () => {
  const { page, problems } = await openFlow();
  // The empty view offers the shipped runs; its button loads them and stays in this view.
  await clickWidget(page, "flow:load-shipped");
  let s = await waitFor(page, `s.replay.runs.length === 2 && s.replay.runs.every((r) => !r.loading) && s.flow.runs.length === 2`, 60000);
  assert.equal(s.view, "flow");
  assert.equal(s.flow.run, "broken");
  assert.equal(s.flow.channel, 0);

  await setStep(page, DEATH - 1);
  s = await waitFor(page, `s.flow.record_step === ${DEATH - 1}`, 10000);
  const brokenBefore = s.flow.runs.find((r) => r.name === "broken");
  const fix = s.flow.runs.find((r) => r.name !== "broken");
  assert.equal(brokenBefore.activation, "ReLU");
  assert.ok(brokenBefore.share > 0, `before the death the left channel passes gradient: ${brokenBefore.share}`);
  assert.ok(fix.share > 0);
  // The histogram's share against the file's exact frac_pos: within the bin that straddles 0.
  const rec = broken.find((r) => r.type === "step" && r.step === DEATH - 1).wh_channels[0];
  assert.deepEqual(s.flow.hist.counts, rec.pre.hist.counts);
  const zeroBin = Math.min(15, Math.floor((0 - rec.pre.hist.lo) / ((rec.pre.hist.hi - rec.pre.hist.lo) / 16)));
  const straddle = rec.pre.hist.counts[zeroBin] / rec.pre.hist.counts.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(s.flow.pass.share - rec.pre.frac_pos) <= straddle,
    `share ${s.flow.pass.share} vs recorded frac_pos ${rec.pre.frac_pos} (bin mass ${straddle})`);
  await screenshot(page, "flow-before-death");

  for (const step of [DEATH, DEATH + 50, 1000]) {
    await setStep(page, step);
    s = await waitFor(page, `s.flow.step === ${step}`, 10000);
    const b = s.flow.runs.find((r) => r.name === "broken"), f = s.flow.runs.find((r) => r.name !== "broken");
    assert.equal(b.share, 0, `step ${step}: the dead channel still passes gradient (${b.share})`);
    assert.equal(b.mean_abs_derivative, 0);
    assert.equal(s.flow.pass.share, 0);
    assert.ok(f.share > 0, `step ${step}: the fix ${f.name} stopped passing gradient`);
  }
  await setStep(page, DEATH);
  await waitFor(page, `s.flow.step === ${DEATH}`, 10000);
  await page.waitForTimeout(1200); // particles reach the curve and stop there
  await screenshot(page, "flow-at-death");
  assert.deepEqual(problems, []);
  await page.close();
});

test("switching the activation: the table's numbers are those of the recorded distribution", async () => {
  const { page, problems } = await openFlow();
  await page.evaluate(() => window.deadzone.call("dz_open_shipped_replay", null, [], []));
  await page.evaluate(() => window.deadzone.call("dz_set_view", null, ["string"], ["flow"]));
  let s = await waitFor(page, `s.replay.runs.length === 2 && s.replay.runs.every((r) => !r.loading) && s.flow.variants`, 60000);
  for (const step of [DEATH - 1, DEATH + 100]) {
    await setStep(page, step);
    s = await waitFor(page, `s.flow.step === ${step}`, 10000);
    const samples = histogramSamples(s.flow.hist, 2048);
    const row = (name) => s.flow.variants.find((v) => v.name === name);
    const mean = (f) => samples.reduce((a, x) => a + f(x), 0) / samples.length;
    assert.ok(Math.abs(row("ReLU").share - mean((x) => (x > 0 ? 1 : 0))) < 1e-12);
    assert.ok(Math.abs(row("Softplus").share - 1) < 1e-12);
    assert.ok(Math.abs(row("Softplus").mean_abs_derivative - mean(sigmoid)) < 1e-9);
    const slope = row("LeakyReLU").param;
    assert.ok(Math.abs(row("LeakyReLU").mean_abs_derivative - mean((x) => (x > 0 ? 1 : slope))) < 1e-9);
    assert.ok(Math.abs(row("ELU").mean_abs_derivative - mean((x) => (x > 0 ? 1 : Math.exp(x)))) < 1e-9);
  }
  // Clicking a row sends the particles through that activation: the headline numbers follow.
  await clickWidget(page, "flow:variant:softplus");
  s = await waitFor(page, `s.flow.activation === "Softplus"`, 10000);
  assert.deepEqual(s.flow.pass.share, s.flow.variants.find((v) => v.name === "Softplus").share);
  assert.deepEqual(s.flow.pass.mean_abs_derivative, s.flow.variants.find((v) => v.name === "Softplus").mean_abs_derivative);
  // LeakyReLU's slope slider: on the dead distribution (all below 0) its mean |f'| is the slope.
  await page.evaluate(() => window.deadzone.call("dz_flow_set_activation", "number", ["string", "number"], ["leaky", 0.2]));
  s = await waitFor(page, `s.flow.activation === "LeakyReLU"`, 10000);
  assert.ok(s.flow.hist.hi < 0, "expected the dead channel's distribution");
  assert.equal(s.flow.pass.share, 1);
  assert.ok(Math.abs(s.flow.pass.mean_abs_derivative - 0.2) < 1e-7);
  assert.deepEqual(problems, []);
  await page.close();
});

test("what-if: TTFNet's init kills the simulated left channel, the four fixes keep it alive", async () => {
  const { page, problems } = await openFlow();
  let s = await waitFor(page, `s.flow.what_if.runs >= 1`, 10000); // it runs with no telemetry loaded
  const runs = s.flow.what_if.runs;
  // The native tests' settings (tests/core/channel_sim_test.cpp): features of scale 1e-4, seed 1.
  const set = (o) => page.evaluate((j) => window.deadzone.call("dz_what_if_set", "number", ["string"], [JSON.stringify(j)]), o);
  assert.equal(await set({ activation: "relu", param: 0, init_std: 0.001, bias_init: 0, lr: 0.01, feature_scale: 1e-4, feature_drift: 0, seed: 1, steps: 300 }), runs + 1);
  s = await state(page);
  assert.ok(s.flow.what_if.dead_since[0] >= 2 && s.flow.what_if.dead_since[0] <= 5, `dead since ${s.flow.what_if.dead_since[0]}`);
  assert.equal(s.flow.what_if.final_distance[0], 0);
  assert.equal(s.flow.what_if.final_share[0], 0);
  // The presets, clicked as a user does.
  for (const preset of ["bias 0.1", "LeakyReLU 0.1", "Softplus", "leaky + bias"]) {
    const before = (await state(page)).flow.what_if.runs;
    await clickWidget(page, `whatif:preset:${preset}`);
    s = await waitFor(page, `s.flow.what_if.runs > ${before}`, 10000);
    assert.equal(s.flow.what_if.dead_since[0], -1, `${preset}: the left channel died`);
    assert.ok(s.flow.what_if.final_share[0] > 0);
    assert.ok(s.flow.what_if.final_distance[0] > 1);
  }
  await clickWidget(page, "whatif:preset:TTFNet init (broken)");
  s = await waitFor(page, `s.flow.what_if.dead_since[0] >= 2`, 10000);
  // A larger init std on unit-scale features keeps ReLU alive; the same std on tiny features does not.
  await set({ feature_scale: 1, init_std: 0.1 });
  assert.equal((await state(page)).flow.what_if.dead_since[0], -1);
  await set({ feature_scale: 1e-4, init_std: 0.1 });
  assert.ok((await state(page)).flow.what_if.dead_since[0] >= 2);
  assert.equal(await set({ activation: "tanh" }), -1);
  assert.equal(await set({ activation: 5 }), -1);
  // A feature scale the user chose stays when a run loads (a run's estimate only fills an unset one).
  await set({ feature_scale: 1e-4, init_std: 0.001 });
  await page.evaluate(() => window.deadzone.call("dz_open_shipped_replay", null, [], []));
  s = await waitFor(page, `s.replay.runs.length === 2 && s.replay.runs.every((r) => !r.loading)`, 60000);
  assert.equal(s.flow.what_if.feature_scale, 1e-4);
  assert.equal(s.flow.what_if.features_from_run, false);
  assert.deepEqual(problems, []);
  await page.close();
});

test("the particles move, pause with the button, and the Replay view shows them too", async () => {
  const { page, problems } = await openFlow();
  await page.evaluate(() => window.deadzone.call("dz_open_shipped_replay", null, [], []));
  let s = await waitFor(page, `s.view === "replay" && s.replay.runs.length === 2 && s.replay.runs.every((r) => !r.loading)`, 60000);
  assert.ok("replay:open-flow" in s.widgets && "flow:particles" in s.widgets, "the Replay view has the particle panel");
  await clickWidget(page, "replay:open-flow");
  s = await waitFor(page, `s.view === "flow" && "flow:graph" in s.widgets`, 10000); // flow:graph is only in this view
  await setStep(page, DEATH - 1);
  const p0 = (await state(page)).flow.phase;
  await page.waitForTimeout(400);
  const p1 = (await state(page)).flow.phase;
  assert.notEqual(p0, p1, "the particles do not move");
  // An animated capture of one pass for the README: the particle canvas and the head graph, before
  // the death (gradient flows) and at it (it stops).
  const [x, y, w] = s.widgets["flow:particles"];
  const [, gy, , gh] = s.widgets["flow:graph"];
  const frames = path.join(outputDir, "flow-frames");
  fs.mkdirSync(frames, { recursive: true });
  await clickWidget(page, "flow:animate"); // paused: each frame a chosen phase
  await waitFor(page, `!s.flow.animating`, 10000);
  await page.mouse.move(1270, 795); // no tooltip in the frames
  const files = [];
  for (const step of [DEATH - 1, DEATH]) {
    await setStep(page, step);
    for (let i = 0; i < 10; ++i) {
      await page.evaluate((p) => window.deadzone.call("dz_flow_set_phase", null, ["number"], [p]), i / 10);
      await waitFor(page, `Math.abs(s.flow.phase - ${i / 10}) < 1e-9 && s.flow.step === ${step}`, 10000);
      await page.waitForTimeout(80); // the frame with this phase is on screen
      const file = path.join(frames, `frame-${files.length}.png`);
      await page.screenshot({ path: file, clip: { x, y: y - 24, width: w, height: gy + gh - y + 28 } });
      files.push(file);
    }
  }
  writeApng(files, path.join(outputDir, "flow-animation.png"), 200);
  const apng = fs.readFileSync(path.join(outputDir, "flow-animation.png"));
  assert.ok(Math.abs(PNG.sync.read(apng).width - w) <= 1); // a valid PNG whose first frame has the canvas's width
  assert.ok(apng.includes(Buffer.from("acTL")) && apng.includes(Buffer.from("fdAT")));
  await clickWidget(page, "flow:animate");
  s = await waitFor(page, `s.flow.animating`, 10000);
  await clickWidget(page, "flow:animate");
  s = await waitFor(page, `!s.flow.animating`, 10000);
  const still = s.flow.phase;
  await page.waitForTimeout(300);
  assert.equal((await state(page)).flow.phase, still);
  assert.deepEqual(problems, []);
  await page.close();
});
