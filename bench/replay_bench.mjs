// Replay benchmark: a long training run's telemetry — by default 5,000 step records, what
// a 100k-step run writes at --telemetry-every 20, about 110 MB — measured in one go:
//
//   native   core/'s TelemetryReader parse, MB/s, and the memory a parsed run holds (deadzone-telemetry-bench)
//   wasm     the same code compiled to wasm, under Node (telemetry_load_bench.cjs)
//   browser  a file opened from disk: its bytes to the first frame drawn with the run in the Replay
//            view (read in pieces + parse + columns + draw), MB/s, just after the page opens and 30 s
//            later (median of 3); once for a served file (fetch included); the wasm heap a run holds;
//            frame time p95 while playing and while scrubbing with two such runs overlaid, and the
//            page's frame interval while playing; and live follow: a record appended to a followed
//            file until it is on screen.
//
//   node bench/replay_bench.mjs [--records 5000] [--every 20]
//
// Targets: load >= 100 MB/s, memory <= 1.5x the file, 60 fps (frame p95 <= 16.7 ms), live <= 1 s.
// Needs scripts/build.sh (both targets) and the shipped telemetry. Writes test-output/bench/replay.json.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";
import { startExplorer, openPage, waitForApp, repoRoot } from "../tests/e2e/harness.mjs";

const args = { records: 5000, every: 20 };
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = Number(process.argv[i + 1]);

const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]; };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

// A long run made of the shipped broken run's records, renumbered: the same record shapes and sizes
// a real long run has (31 activation and 52 BN layers per record).
function makeLongRun(file, records, every) {
  const lines = zlib.gunzipSync(fs.readFileSync(path.join(repoRoot, "assets/telemetry/broken.jsonl.gz"))).toString("utf8").split("\n").filter((l) => l.trim());
  const header = JSON.parse(lines[0]);
  Object.assign(header, { total_steps: records * every, telemetry_every: every, telemetry_dense_steps: 0, run_id: "replay-bench" });
  const steps = lines.filter((l) => l.includes('"type":"step"'));
  const out = fs.openSync(file, "w");
  fs.writeSync(out, JSON.stringify(header) + "\n");
  fs.writeSync(out, JSON.stringify({ type: "event", kind: "channel_death", channel: 0, step: 2 }) + "\n");
  let chunk = [];
  for (let i = 0; i < records; ++i) {
    const step = i === 0 ? 1 : i * every;
    chunk.push(steps[i % steps.length].replace(/"step":\d+/, `"step":${step}`));
    if (chunk.length === 200) { fs.writeSync(out, chunk.join("\n") + "\n"); chunk = []; }
  }
  if (chunk.length) fs.writeSync(out, chunk.join("\n") + "\n");
  fs.closeSync(out);
  return { bytes: fs.statSync(file).size, lines: steps };
}

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), `deadzone-replay-bench-${process.pid}-`));
const report = { date: new Date().toISOString(), records: args.records, every: args.every };
try {
  const longFile = path.join(runsDir, "long.jsonl");
  const { bytes, lines: stepLines } = makeLongRun(longFile, args.records, args.every);
  fs.copyFileSync(longFile, path.join(runsDir, "long2.jsonl"));
  const mb = bytes / 1e6;
  report.file_mb = mb;
  console.log(`file: ${mb.toFixed(1)} MB, ${args.records} step records (a ${args.records * args.every}-step run at every ${args.every})`);

  for (const [label, cmd, cmdArgs] of [
    ["native", path.join(repoRoot, "build/native/bench/deadzone-telemetry-bench"), [longFile, "3"]],
    // --no-experimental-fetch: Emscripten 3.1.6's loader would fetch() its .wasm by path otherwise.
    ["wasm (node)", process.execPath, ["--no-experimental-fetch", path.join(repoRoot, "build/wasm/bench/telemetry_load_bench.cjs"), longFile, "3"]],
  ]) {
    const out = execFileSync(cmd, cmdArgs, { encoding: "utf8" });
    const speed = Number(out.match(/= ([\d.]+) MB\/s/)[1]);
    const held = Number(out.match(/the file \(plus plot columns [\d.]+ MB = ([\d.]+)x\)/)[1]);
    report[label] = { mb_per_s: speed, memory_ratio: held };
    console.log(`${label.padEnd(12)} parse ${speed.toFixed(1)} MB/s; parsed run + plot columns hold ${held.toFixed(2)}x the file`);
  }

  const explorer = await startExplorer({ webgpu: false, runsDir });
  try {
    const { page } = await openPage(explorer);
    const status = await waitForApp(page);
    if (status.error) throw new Error(status.error);
    const opened = Date.now();
    const state = () => page.evaluate(() => window.deadzone.state());
    await page.evaluate(() => window.deadzone.call("dz_set_view", null, ["string"], ["replay"]));
    await page.waitForFunction(() => window.deadzone.state().replay.live_listed, null, { timeout: 30000 });

    // Load: from the call to the first frame drawn after the run's records are all in.
    const load = (name) => page.evaluate(async ({ name, records }) => {
      const dz = window.deadzone;
      const heap0 = dz.state().heap_used_bytes;
      const t0 = performance.now();
      dz.call("dz_replay_load_url", null, ["string", "string", "number"], [name, "runs/" + name + ".jsonl", 0]);
      for (;;) {
        await new Promise((r) => requestAnimationFrame(r));
        const s = dz.state();
        const run = s.replay.runs.find((r) => r.name === name);
        // shown_ms: when the app finished drawing the first frame with the whole run (its clock is
        // performance.now()); waiting here for a later frame would add up to the idle frame interval.
        if (run && run.records === records && !run.loading && run.shown_ms > 0)
          return { ms: run.shown_ms - t0, heap: s.heap_used_bytes - heap0 };
        if (performance.now() - t0 > 300000) throw new Error("load timed out");
      }
    }, { name, records: args.records });
    // A file the user opens from disk (the Open button's file input, as a user picks it; a dropped
    // file takes the same path in the page): from the input's change event to the first frame drawn
    // with the whole run. The File is backed by the file on disk, as a user's is.
    const open = async () => {
      await page.evaluate(() => {
        globalThis.dzBenchOpenedAt = undefined;
        window.addEventListener("change", () => { globalThis.dzBenchOpenedAt = performance.now(); }, { capture: true, once: true });
      });
      await page.setInputFiles("#dz-open-file", longFile);
      return page.evaluate(async ({ records }) => {
        const dz = window.deadzone;
        const started = performance.now();
        for (;;) {
          await new Promise((r) => requestAnimationFrame(r));
          const s = dz.state();
          const t0 = globalThis.dzBenchOpenedAt;
          const index = s.replay.runs.findIndex((r) => r.name === "long.jsonl" && r.url === "");
          const run = s.replay.runs[index];
          if (run && run.records === records && !run.loading && run.shown_ms > 0) { // as in load()
            // What the run holds: the heap in use before and after closing it (what else the page
            // allocates meanwhile, e.g. just after it opened, does not count).
            dz.call("dz_replay_remove", null, ["number"], [index]);
            return { ms: run.shown_ms - t0, held: s.heap_used_bytes - dz.state().heap_used_bytes };
          }
          if (performance.now() - started > 300000) throw new Error("open timed out");
        }
      }, { records: args.records });
    };
    // At once after the page opens, and (three times, the median) after V8 has compiled the hot wasm
    // functions with its optimising tier and ONNX Runtime's start-up work is done (about 30 s on 2
    // cores): until then the same parse runs several times slower.
    for (const [label, key, rounds] of [["just opened", "browser_open_cold", 1], ["after 30 s, median of 3", "browser_open", 3]]) {
      if (key === "browser_open") await page.waitForTimeout(Math.max(0, 30000 - (Date.now() - opened)));
      const times = [];
      let held = 0;
      for (let i = 0; i < rounds; ++i) {
        const result = await open();
        times.push(result.ms);
        held = result.held;
        await page.waitForTimeout(1500);
      }
      const ms = median(times);
      report[key] = { ms, all_ms: times, mb_per_s: mb / (ms / 1000), heap_ratio: held / bytes };
      console.log(`browser      file opened from disk, page ${label}: ${(ms / 1000).toFixed(2)} s = ${(mb / (ms / 1000)).toFixed(1)} MB/s from the open to the first frame with it` +
        (rounds > 1 ? ` (all: ${times.map((t) => (t / 1000).toFixed(2)).join(", ")} s)` : "") +
        `; wasm heap held ${(held / 1e6).toFixed(1)} MB = ${(held / bytes).toFixed(2)}x the file`);
    }
    const first = await load("long");
    report.browser_load = { ms: first.ms, mb_per_s: mb / (first.ms / 1000), heap_ratio: first.heap / bytes };
    console.log(`browser      served file (runs/ URL, streamed): ${(first.ms / 1000).toFixed(2)} s = ${(mb / (first.ms / 1000)).toFixed(1)} MB/s to the first frame; wasm heap held ${(first.heap / 1e6).toFixed(1)} MB = ${(first.heap / bytes).toFixed(2)}x the file`);
    await load("long2");

    // Frame times with both runs overlaid: playing (every frame redrawn), then scrubbing.
    await page.mouse.move(640, 400);
    await page.evaluate(() => window.deadzone.call("dz_replay_set_step", null, ["number"], [1]));
    await page.keyboard.press("Space");
    // The page's frame intervals while playing: what is on screen, compositor and GPU included (the
    // app's frame time below is its own CPU time only).
    const intervals = await page.evaluate(async () => {
      const out = [];
      let last = await new Promise((r) => requestAnimationFrame(r));
      for (const t0 = last; last - t0 < 4000;) {
        const t = await new Promise((r) => requestAnimationFrame(r));
        out.push(t - last);
        last = t;
      }
      return out;
    });
    await page.keyboard.press("Space");
    const playing = (await state()).frame_ms.slice(-120);
    const scrub = await page.evaluate(async (last) => {
      const dz = window.deadzone;
      for (let i = 0; i < 120; ++i) {
        dz.call("dz_replay_set_step", null, ["number"], [Math.floor(Math.random() * last)]);
        await new Promise((r) => requestAnimationFrame(r));
      }
      return dz.state().frame_ms.slice(-120);
    }, args.records * args.every);
    report.frames = { playing_p95_ms: p95(playing), playing_median_ms: median(playing), scrub_p95_ms: p95(scrub), scrub_median_ms: median(scrub),
      playing_interval_p95_ms: p95(intervals), playing_interval_median_ms: median(intervals) };
    console.log(`browser      frame time with 2 runs overlaid: playing p95 ${p95(playing).toFixed(1)} ms (median ${median(playing).toFixed(1)}), scrubbing p95 ${p95(scrub).toFixed(1)} ms (median ${median(scrub).toFixed(1)}); 60 fps needs <= 16.7 ms`);
    console.log(`browser      page frame interval while playing: p95 ${p95(intervals).toFixed(1)} ms (median ${median(intervals).toFixed(1)} ms = ${(1000 / median(intervals)).toFixed(0)} fps)`);

    // Live follow: append one record at a time to a followed file.
    const liveFile = path.join(runsDir, "live.jsonl");
    fs.writeFileSync(liveFile, fs.readFileSync(longFile, "utf8").split("\n").slice(0, 12).join("\n") + "\n");
    await page.evaluate(() => window.deadzone.call("dz_replay_load_url", null, ["string", "string", "number"], ["live", "runs/live.jsonl", 1]));
    await page.waitForFunction(() => (window.deadzone.state().replay.runs.find((r) => r.name === "live") || {}).records === 10, null, { timeout: 30000 });
    const latencies = [];
    for (let i = 0; i < 8; ++i) {
      const want = 11 + i;
      const line = stepLines[i].replace(/"step":\d+/, `"step":${100000 + i}`);
      const t0 = Date.now();
      fs.appendFileSync(liveFile, line + "\n");
      await page.waitForFunction((n) => (window.deadzone.state().replay.runs.find((r) => r.name === "live") || {}).records === n, want, { timeout: 10000, polling: 20 });
      latencies.push(Date.now() - t0);
      await page.waitForTimeout(Math.random() * 500);
    }
    report.live_ms = { max: Math.max(...latencies), median: median(latencies) };
    console.log(`browser      live follow: an appended record is in the app after ${median(latencies)} ms (median of 8), at most ${Math.max(...latencies)} ms; target <= 1000 ms`);
  } finally {
    await explorer.close();
  }
} finally {
  fs.rmSync(runsDir, { recursive: true, force: true });
}
const outDir = path.join(repoRoot, "test-output/bench");
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, "replay.json"), JSON.stringify(report, null, 2) + "\n");
