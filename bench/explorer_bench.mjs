// Browser benchmark for the explorer: in one Chromium run, on one back-end and one model,
//
//   app   drop-to-boxes latency in the app: from the page's `drop` event to decoded boxes in C++
//         (file read, PNG decode, letterbox + normalise, heap copies, session.run, stats, decode)
//   bare  session.run from plain JS on the same page, same ORT Web build, same model, the same
//         input tensor the app made; and (wasm) the same from plain JS through the app's ORT worker,
//         i.e. in the same ONNX Runtime instance as the app's runs
//
// and prints the ratio app / bare. Target: <= 1.15 on the wasm back-end.
//
//   node bench/explorer_bench.mjs [--backend wasm|webgpu] [--runs 31] [--model bench-heavy] [--profile 1]
//
// --profile 1 also samples the page's main thread (Chrome DevTools profiler) over the measured
// loop and prints self time per function and drop; configure the wasm build with
// -DDEADZONE_PROFILING=ON for C++ names. Profiling slows everything: don't read its ratio.
//
// Needs the explorer and the native test models built (scripts/build.sh). The model is a generated
// 1.9 GFLOP conv stack at 512x512 (tests/fixtures/make_test_models.cpp): untrained, but it costs
// what a small detector costs. Writes test-output/bench/explorer-<backend>.json.
import fs from "node:fs";
import path from "node:path";
import { startExplorer, openPage, waitForApp, repoRoot } from "../tests/e2e/harness.mjs";

const args = { backend: "wasm", runs: 31, model: "bench-heavy" };
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
args.runs = Number(args.runs);

// --model NAME: a generated test model; --model path/to/file.onnx: any model of the same interface
// (e.g. assets/models/broken.onnx, the shipped one).
const modelFile = args.model.endsWith(".onnx") ? path.resolve(args.model) : path.join(repoRoot, "build/native/test_models", args.model + ".onnx");
if (args.model.endsWith(".onnx")) args.model = path.basename(args.model, ".onnx");
const imageFile = path.join(repoRoot, "assets/images/blobs-wide.png");
if (!fs.existsSync(modelFile)) {
  console.error(`bench: ${modelFile} is missing: run scripts/build.sh native`);
  process.exit(2);
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const explorer = await startExplorer({ webgpu: args.backend === "webgpu" });
try {
  const { page } = await openPage(explorer);
  const status = await waitForApp(page);
  if (status.error) throw new Error(status.error);
  await page.waitForFunction(() => window.deadzone.state().backends.probed, null, { timeout: 30000 });

  // Put the bench model in both panels (the left one is measured: it runs first after a drop).
  let cdp = null;
  if (args.profile) {
    cdp = await page.context().newCDPSession(page);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
    await page.exposeFunction("__dzProfileStart", () => cdp.send("Profiler.start"));
  }
  const payload = { model: fs.readFileSync(modelFile).toString("base64"), image: fs.readFileSync(imageFile).toString("base64") };
  const result = await page.evaluate(async ({ payload, args }) => {
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dz = window.deadzone;
    const until = (pred, ms = 600000) => new Promise((resolve, reject) => {
      const t0 = performance.now();
      const tick = () => {
        const s = dz.state();
        if (pred(s)) resolve(s);
        else if (performance.now() - t0 > ms) reject(new Error("timeout"));
        else setTimeout(tick, 100); // set-up only: state() costs main-thread time (and, on 2 cores, ORT time)
      };
      tick();
    });
    const drop = (name, data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([data], name));
      window.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    };
    dz.call("dz_set_backend", null, ["string"], [args.backend]);
    // Let the default models (shipped or test) take their panels first, or they would replace ours.
    await until((s) => s.panels.every((p) => p.model !== ""));
    drop(args.model + ".onnx", bytes(payload.model));
    await until((s) => s.models.some((m) => m.name === args.model));
    dz.call("dz_select_model", "number", ["number", "string"], [0, args.model]);
    dz.call("dz_select_model", "number", ["number", "string"], [1, args.model]);
    await until((s) => s.models.find((m) => m.name === args.model).warmed && !s.busy); // session made and warmed up

    // Bare ORT Web: the same model, back-end and input size, its own session, tensor from a buffer.
    const ort = globalThis.dzOrt.ort;
    const session = await ort.InferenceSession.create(bytes(payload.model), { executionProviders: [args.backend], graphOptimizationLevel: "all" });
    const size = dz.state().models.find((m) => m.name === args.model).input_size[0]; // square: [width, height]
    // The bare runs get exactly the tensor the app made from the image (taken after round 0): the
    // same data, so data-dependent costs (a trained model's denormals) hit both alike.
    let input = null;
    // A second bare baseline inside the app's ONNX Runtime instance: a session of its own in the
    // app's ORT worker, run from plain JS through dzOrt (no app C++ involved), timed in the worker
    // around session.run. Two ORT Web instances (page and worker) differ by a few ms per run from
    // one browser launch to the next (thread placement, memory layout); against the same instance,
    // that noise cancels and what remains is the app's own overhead.
    const workerBareId = 1e9;
    const inWorker = globalThis.dzOrt.worker && args.backend === "wasm";
    if (inWorker) await globalThis.dzOrt.createSession(workerBareId, bytes(payload.model), args.backend);

    // Interleaved (app, bare, app, bare...) so drift in a shared machine's load hits both alike.
    // App: drop the image, wait for the left panel's boxes; latency_ms is measured in the app from
    // the drop event's timestamp to the end of decode. Round 0 is a warm-up for both.
    const app = [], appRun = [], bare = [], bareWorker = [], models = [], stages = [], blocked = [];
    // The same pause before every measured run, app or bare, so neither starts while the other's
    // threads are still busy (on 2 cores that showed in whichever came second).
    const settle = () => new Promise((r) => setTimeout(r, 150));
    const image = bytes(payload.image);
    await window.__dzProfileStart?.();
    // Main-thread tasks over 50 ms while the app works on a drop: what a user would feel as a stall.
    const longTasks = [];
    new PerformanceObserver((list) => longTasks.push(...list.getEntries())).observe({ entryTypes: ["longtask"] });
    // Both panels' "deadzone-result" events: the measured runs are waited for without polling the
    // app (each state() call is main-thread work that, on 2 cores, competes with ORT's threads).
    const bothResults = () => new Promise((resolve) => {
      const seen = new Set();
      const onResult = (e) => {
        seen.add(e.detail.panel);
        if (seen.size < 2) return;
        window.removeEventListener("deadzone-result", onResult);
        resolve();
      };
      window.addEventListener("deadzone-result", onResult);
    });
    for (let i = 0; i <= args.runs; ++i) {
      const gen = dz.state().image.generation;
      const done = bothResults();
      const t0 = performance.now();
      drop("bench.png", image);
      await done;
      const s = await until((s) => s.panels.every((p) => p.has_result && !p.busy && p.image_generation === gen + 1));
      const t1 = performance.now();
      if (i === 0) {
        input = dz.modelInput();
        if (input.length !== 3 * size * size) throw new Error(`the app's model input has ${input.length} values, not 3x${size}x${size}`);
      }
      if (i > 0) {
        app.push(s.panels[0].latency_ms); appRun.push(s.panels[0].run_ms); models.push(s.panels[0].result_model); stages.push(s.panels[0].stages_ms);
        blocked.push(longTasks.filter((e) => e.startTime >= t0 && e.startTime < t1).reduce((sum, e) => sum + e.duration, 0));
      }
      await settle();
      const b0 = performance.now();
      const r = await session.run({ image: new ort.Tensor("float32", input, [1, 3, size, size]) });
      await r.heatmap.getData(); await r.wh.getData(); await r.wh_pre.getData();
      if (i > 0) bare.push(performance.now() - b0);
      await settle();
      if (inWorker) {
        const w = await globalThis.dzOrt.run(workerBareId, input.slice(),
          { input: "image", dims: [1, 3, size, size], outputs: ["heatmap", "wh", "wh_pre"] }); // run() takes its input over
        if (i > 0) bareWorker.push(w.ms);
        await settle();
      }
    }
    await session.release();
    if (inWorker) globalThis.dzOrt.release(workerBareId);
    if (models.some((m) => m !== args.model)) throw new Error("the app ran another model: " + models.join(","));
    return { app, appRun, bare, bareWorker, stages, blocked, threads: ort.env.wasm.numThreads, isolated: self.crossOriginIsolated, worker: globalThis.dzOrt.worker };
  }, { payload, args });

  if (cdp) {
    const { profile } = await cdp.send("Profiler.stop");
    const hits = new Map();
    for (const id of profile.samples) hits.set(id, (hits.get(id) || 0) + 1);
    const self = new Map();
    for (const n of profile.nodes) {
      const k = (n.callFrame.functionName || "(anonymous)") + " " + (n.callFrame.url.split("/").pop() || "");
      self.set(k, (self.get(k) || 0) + (hits.get(n.id) || 0));
    }
    const total = profile.samples.length;
    const us = (profile.endTime - profile.startTime) / total;
    console.log(`main-thread profile: ${total} samples of ${us.toFixed(0)} us; self time per measured drop:`);
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
      console.log(`  ${(v * us / 1000 / (args.runs + 1)).toFixed(3)} ms  ${k}`);
  }
  const inApp = median(result.app.map((x, i) => x - result.stages[i].file_read));
  const app = median(result.app), bare = median(result.bare), appRun = median(result.appRun);
  // Each app run next to the bare run right after it: less sensitive to the machine's drift.
  const paired = median(result.app.map((x, i) => x / result.bare[i]));
  const stages = Object.fromEntries(Object.keys(result.stages[0]).map((k) => [k, +median(result.stages.map((x) => x[k])).toFixed(2)]));
  const report = {
    backend: args.backend, model: args.model, runs: args.runs, wasm_threads: result.threads,
    cross_origin_isolated: result.isolated, image: "assets/images/blobs-wide.png (640x400)",
    app_drop_to_boxes_ms_median: +app.toFixed(2), app_session_run_ms_median: +appRun.toFixed(2),
    bare_session_run_ms_median: +bare.toFixed(2), ratio_app_over_bare: +(app / bare).toFixed(3),
    ratio_paired_median: +paired.toFixed(3),
    app_bytes_to_boxes_ms_median: +inApp.toFixed(2), ratio_without_browser_file_read: +(inApp / bare).toFixed(3),
    app_ms: result.app.map((x) => +x.toFixed(2)), bare_ms: result.bare.map((x) => +x.toFixed(2)),
    bare_in_app_worker_ms: result.bareWorker.map((x) => +x.toFixed(2)),
    bare_in_app_worker_ms_median: result.bareWorker.length ? +median(result.bareWorker).toFixed(2) : null,
    ratio_app_over_bare_in_app_worker: result.bareWorker.length ? +(app / median(result.bareWorker)).toFixed(3) : null,
    ort_in_worker: result.worker, main_thread_long_tasks_ms_median: +median(result.blocked).toFixed(2),
  };
  console.log(`explorer bench: ${args.model} on ${args.backend} (${result.threads} wasm threads, ${args.runs} runs, medians)`);
  console.log(`  app drop-to-boxes      ${app.toFixed(1)} ms  (of which session.run seen from JS ${appRun.toFixed(1)} ms)`);
  console.log(`  app stages (medians)   ${Object.entries(stages).map(([k, v]) => `${k} ${v} ms`).join(", ")}`);
  console.log(`  bare ORT session.run   ${bare.toFixed(1)} ms`);
  console.log(`  main thread blocked    ${report.main_thread_long_tasks_ms_median} ms of long tasks per app run (ORT in a worker: ${result.worker})`);
  console.log(`  ratio app / bare       ${(app / bare).toFixed(3)}  (target <= 1.15 on wasm; median of per-pair ratios ${paired.toFixed(3)})`);
  console.log(`  without the browser's File read (bytes in C++ -> boxes): ${inApp.toFixed(1)} ms, ratio ${(inApp / bare).toFixed(3)}`);
  if (result.bareWorker.length) {
    console.log(`  bare session.run in the app's ORT worker (same ORT instance as the app): ${report.bare_in_app_worker_ms_median} ms, ` +
                `ratio app / that ${report.ratio_app_over_bare_in_app_worker}`);
  }
  const outDir = path.join(repoRoot, "test-output/bench");
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, `explorer-${args.backend}.json`), JSON.stringify(report, null, 2) + "\n");
} finally {
  await explorer.close();
}
