// Gradient flow benchmark: is the animated view smooth in headless Chromium on this
// machine? With the two shipped runs loaded (broken and leaky), measured in one run, side by side:
//
//   - the app's frame time (ImGui + GL submit, state().frame_ms) over 240 frames in the Gradient
//     flow view while the particles and the what-if play, and for comparison in the Replay view
//     (its particle panel animating, the plots still) and the Detect view with no image (the cost
//     of an ImGui frame with little in it on this machine);
//   - the page's frame interval (requestAnimationFrame deltas) over the same frames: what the user
//     sees, compositor included; a frame is late when its interval exceeds 20 ms (a missed vsync);
//   - the Replay and Gradient flow views again with partial redraw off (every frame drawn whole,
//     as before wasm/partial_redraw.h), side by side with the app's own way;
//   - one what-if rerun (core's simulate_wh_head, 300 steps x 64 anchors), from the setter's call
//     to its return.
//
//   node bench/flow_bench.mjs
//
// Target: 60 fps, i.e. page frame interval p95 <= 16.7 ms. Needs scripts/build.sh wasm and the shipped
// telemetry. Writes test-output/bench/flow.json.
import fs from "node:fs";
import path from "node:path";
import { startExplorer, openPage, waitForApp, repoRoot } from "../tests/e2e/harness.mjs";

const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]; };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

// 240 frames of `view`: the app's own frame times and the page's rAF intervals. Every frame asks
// the app to draw (the view's setter requests a redraw), so views that animate nothing are drawn
// every frame too, as while a user works in them; no synthetic input, which itself costs time.
async function measureFrames(page, view) {
  return page.evaluate(async (v) => {
    const dz = window.deadzone;
    const intervals = [];
    let last = await new Promise((r) => requestAnimationFrame(r));
    for (let i = 0; i < 240; ++i) {
      dz.call("dz_set_view", null, ["string"], [v]);
      const t = await new Promise((r) => requestAnimationFrame(r));
      intervals.push(t - last);
      last = t;
    }
    const s = dz.state();
    return { app: s.frame_ms.slice(-240), intervals, redraw: s.redraw };
  }, view);
}

const report = { date: new Date().toISOString() };
const explorer = await startExplorer({ webgpu: false });
try {
  const { page } = await openPage(explorer);
  const status = await waitForApp(page);
  if (status.error) throw new Error(status.error);
  await page.evaluate(() => window.deadzone.call("dz_open_shipped_replay", null, [], []));
  await page.waitForFunction(() => {
    const s = window.deadzone.state();
    return s.replay.runs.length === 2 && s.replay.runs.every((r) => !r.loading);
  }, null, { timeout: 60000 });

  // V8 compiles the app's and ONNX Runtime's wasm with its optimising tier in background threads for
  // about 20 s after the page opens; on 2 cores that halves the frame rate meanwhile. Measure after.
  await page.waitForTimeout(30000);
  const views = {};
  // Each view drawn as the app draws it (only the tiles that changed: wasm/partial_redraw.h), and
  // the two animated views also drawn whole every frame, for comparison.
  for (const [name, view, partial] of [["detect", "detect", 1], ["replay", "replay", 1], ["flow", "flow", 1],
                                       ["replay (whole frames)", "replay", 0], ["flow (whole frames)", "flow", 0]]) {
    await page.evaluate(([v, p]) => {
      window.deadzone.call("dz_set_view", null, ["string"], [v]);
      window.deadzone.call("dz_set_partial_redraw", null, ["number"], [p]);
    }, [view, partial]);
    // Restart the what-if so that it plays during the whole measurement (300 steps at 40 steps/s).
    await page.evaluate(() => window.deadzone.call("dz_what_if_set", "number", ["string"], ["{}"]));
    await page.waitForTimeout(500);
    views[name] = await measureFrames(page, view);
  }
  const rerun = await page.evaluate(() => {
    const times = [];
    for (let i = 0; i < 10; ++i) {
      const t0 = performance.now();
      window.deadzone.call("dz_what_if_set", "number", ["string"], [JSON.stringify({ seed: 1 + i })]);
      times.push(performance.now() - t0);
    }
    return times;
  });

  for (const [view, m] of Object.entries(views)) {
    const late = m.intervals.filter((x) => x > 20).length;
    report[view] = { app_p95_ms: p95(m.app), app_median_ms: median(m.app), interval_p95_ms: p95(m.intervals),
                     interval_median_ms: median(m.intervals), late_frames: late, frames: m.intervals.length,
                     redraw: m.redraw };
    console.log(`${view.padEnd(22)} app frame time p95 ${p95(m.app).toFixed(1)} ms (median ${median(m.app).toFixed(1)}); ` +
      `page frame interval p95 ${p95(m.intervals).toFixed(1)} ms (median ${median(m.intervals).toFixed(1)}), ` +
      `${late} of ${m.intervals.length} frames late; last frame redrew ${m.redraw.triangles_drawn} of ${m.redraw.triangles} triangles`);
  }
  report.flow_late_whole_vs_partial = report["flow (whole frames)"].late_frames / Math.max(1, report.flow.late_frames);
  console.log(`ratio   late frames in Gradient flow, whole frames / partial redraw: ${report["flow (whole frames)"].late_frames} / ` +
    `${report.flow.late_frames}; page frame interval p95 ${report["flow (whole frames)"].interval_p95_ms.toFixed(1)} vs ${report.flow.interval_p95_ms.toFixed(1)} ms`);
  report.what_if_rerun_ms = { median: median(rerun), max: Math.max(...rerun) };
  console.log(`what-if one rerun (300 steps x 64 anchors) median ${median(rerun).toFixed(1)} ms, max ${Math.max(...rerun).toFixed(1)} ms`);
  await page.close();
} finally {
  await explorer.close();
}
const outDir = path.join(repoRoot, "test-output/bench");
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, "flow.json"), JSON.stringify(report, null, 2));
