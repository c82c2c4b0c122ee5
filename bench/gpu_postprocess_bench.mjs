// GPU post-processing against reading everything back, side by side in one Chromium page, on ONNX
// Runtime Web's WebGPU back-end and one model:
//
//   gpu  session.run with outputs left on the GPU (preferredOutputLocation "gpu-buffer"), then the
//        WGSL decode and channel statistics of wh and wh_pre on ORT's device (web/gpu_postprocess.js);
//        only the boxes and the counters are read back
//   cpu  session.run with outputs read back to the CPU (ORT's default), then core's decode and
//        per-channel statistics in C++ compiled to wasm (bench/postprocess_core.cpp)
//
// Runs alternate (gpu, cpu, gpu, ...) so that both see the same machine; prints the medians, their
// ratio gpu / cpu and the bytes each reads back, and checks that both found the same boxes.
//
//   node bench/gpu_postprocess_bench.mjs [--model assets/models/broken.onnx] [--size 128] [--runs 21]
//
// --model may be a generated test model name (bench-heavy: 512x512 input, 128x128 maps). Needs the
// native test models and the wasm build (scripts/build.sh). On a machine without a GPU Chromium runs
// WebGPU on SwiftShader (the CPU): its timings say nothing about a real GPU, only the bytes do.
// Writes test-output/bench/gpu-postprocess-<model>.json.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startExplorer, repoRoot } from "../tests/e2e/harness.mjs";

const args = { model: "assets/models/broken.onnx", size: "128", runs: "21" };
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const modelFile = args.model.endsWith(".onnx") ? path.resolve(repoRoot, args.model) : path.join(repoRoot, "build/native/test_models", args.model + ".onnx");
const modelName = path.basename(modelFile, ".onnx");
const size = Number(args.size), runs = Number(args.runs);
for (const [file, what] of [[modelFile, "scripts/build.sh native"], [path.join(repoRoot, "build/wasm/app/postprocess_core.js"), "scripts/build.sh wasm"]]) {
  if (!fs.existsSync(file)) {
    console.error(`bench: ${file} is missing: run ${what}`);
    process.exit(2);
  }
}
const load = os.loadavg()[0];
console.log(`gpu post-processing bench, ${new Date().toISOString().slice(0, 10)}, model ${modelName} at ${size}x${size}, ${runs} runs each, load ${load.toFixed(2)} on ${os.cpus().length} cores`);

const explorer = await startExplorer({ webgpu: true });
try {
  const page = await explorer.context.newPage();
  await page.goto(explorer.url + "/shaders/README.md"); // any page of the origin: no app needed
  const modelUrl = "/" + path.relative(repoRoot, modelFile).replace("build/native/test_models/", "test-models/");
  const result = await page.evaluate(async ([url, size, runs]) => {
    const ort = await import("/ort/ort.min.mjs");
    ort.env.wasm.wasmPaths = location.origin + "/ort/";
    ort.env.logLevel = "error";
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const onGpu = await ort.InferenceSession.create(bytes, { executionProviders: ["webgpu"], preferredOutputLocation: "gpu-buffer" });
    const readBack = await ort.InferenceSession.create(bytes, { executionProviders: ["webgpu"] });
    const device = await ort.env.webgpu.device;
    const { GpuPostprocess } = await import("/web/gpu_postprocess.js");
    const gpu = await GpuPostprocess.create(device, new URL("/shaders/", location.href));
    const core = await (await import("/app/postprocess_core.js")).default();

    // A fixed pseudo-image (ImageNet-normalised values in about [-2, 2]).
    const input = new Float32Array(3 * size * size);
    let s = 12345;
    for (let i = 0; i < input.length; ++i) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      input[i] = (s / 4294967296) * 4 - 2 + Math.sin(i * 0.001);
    }
    const feeds = { [onGpu.inputNames[0]]: new ort.Tensor("float32", input, [1, 3, size, size]) };
    const params = { stride: 4, topK: 100, scoreThreshold: 0.1 };
    const letterbox = { padLeft: 0, padTop: 0, scale: 1, sourceWidth: size, sourceHeight: size };

    async function gpuPath() {
      const t0 = performance.now();
      const out = await onGpu.run(feeds, ["heatmap", "wh", "wh_pre"]);
      if (breakdown) await device.queue.onSubmittedWorkDone();
      const t1 = performance.now();
      const [, channels, height, width] = out.heatmap.dims;
      const decoded = await gpu.decode({ heatmap: out.heatmap.gpuBuffer, wh: out.wh.gpuBuffer, channels, height, width }, params, letterbox);
      let bytesRead = decoded.bytesRead;
      for (const name of ["wh", "wh_pre"]) {
        const stats = gpu.channelStats(4, height * width);
        stats.add(out[name].gpuBuffer);
        bytesRead += (await stats.read()).bytesRead;
        stats.destroy();
      }
      const t2 = performance.now();
      for (const t of Object.values(out)) t.dispose();
      return { ms: t2 - t0, post: t2 - t1, bytesRead, boxes: decoded.detections.map((d) => [d.classId, d.cellY, d.cellX]) };
    }

    function onHeap(data) {
      const ptr = core._malloc(data.byteLength);
      core.HEAPF32.set(data, ptr / 4);
      return ptr;
    }
    async function cpuPath() {
      const t0 = performance.now();
      const out = await readBack.run(feeds, ["heatmap", "wh", "wh_pre"]);
      const t1 = performance.now();
      const [, channels, height, width] = out.heatmap.dims;
      const hm = onHeap(out.heatmap.data), wh = onHeap(out.wh.data), pre = onHeap(out.wh_pre.data);
      const boxesPtr = core._malloc(params.topK * 40), statsPtr = core._malloc(4 * 10 * 8);
      const n = core._dz_pp_decode(hm, channels, height, width, wh, params.stride, params.topK, params.scoreThreshold, size, size, size, size, boxesPtr);
      core._dz_pp_stats(wh, 1, 4, height * width, statsPtr);
      core._dz_pp_stats(pre, 1, 4, height * width, statsPtr);
      const rows = core.HEAPF32.subarray(boxesPtr / 4, boxesPtr / 4 + Math.max(0, n) * 10);
      const boxes = [];
      for (let i = 0; i < n; ++i) boxes.push([rows[i * 10 + 5], rows[i * 10 + 9], rows[i * 10 + 8]]);
      for (const p of [hm, wh, pre, boxesPtr, statsPtr]) core._free(p);
      const t2 = performance.now();
      const bytesRead = out.heatmap.data.byteLength + out.wh.data.byteLength + out.wh_pre.data.byteLength;
      return { ms: t2 - t0, post: t2 - t1, bytesRead, boxes, dims: [channels, height, width] };
    }

    // Warm both (shader compilation, first allocations), then alternate.
    let breakdown = false; // set below, read by gpuPath
    const first = [await gpuPath(), await cpuPath()];
    const same = JSON.stringify(first[0].boxes) === JSON.stringify(first[1].boxes);
    // Pass 1: run to results as a user waits for them. Pass 2: the same with the GPU path waiting for
    // the run's GPU work before post-processing, so that its post-processing can be timed alone.
    const gpuMs = [], cpuMs = [], gpuPost = [], cpuPost = [];
    for (let i = 0; i < runs; ++i) {
      gpuMs.push((await gpuPath()).ms);
      cpuMs.push((await cpuPath()).ms);
    }
    breakdown = true;
    for (let i = 0; i < runs; ++i) {
      gpuPost.push((await gpuPath()).post);
      cpuPost.push((await cpuPath()).post);
    }
    return { gpuMs, cpuMs, gpuPost, cpuPost, gpuBytes: first[0].bytesRead, cpuBytes: first[1].bytesRead, boxes: first[0].boxes.length,
      cpuBoxes: first[1].boxes.length, same, dims: first[1].dims, adapter: (device.adapterInfo && [device.adapterInfo.vendor, device.adapterInfo.architecture, device.adapterInfo.description].filter(Boolean).join(" ")) || "unknown" };
  }, [modelUrl, size, runs]);

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const gpu = median(result.gpuMs), cpu = median(result.cpuMs);
  console.log(`adapter: ${result.adapter}; maps [${result.dims}] (heatmap), wh and wh_pre [4,${result.dims[1]},${result.dims[2]}]`);
  console.log(`gpu  run + WGSL decode + stats, read back boxes and counters: median ${gpu.toFixed(2)} ms, ${result.gpuBytes} bytes read back`);
  console.log(`cpu  run + read back all outputs + C++ decode + stats (wasm):  median ${cpu.toFixed(2)} ms, ${result.cpuBytes} bytes read back`);
  console.log(`ratio gpu / cpu: ${(gpu / cpu).toFixed(2)} (time), ${(result.gpuBytes / result.cpuBytes).toFixed(3)} (bytes read back)`);
  const gpuPost = median(result.gpuPost), cpuPost = median(result.cpuPost);
  console.log(`after the run alone: gpu decode + stats + readback ${gpuPost.toFixed(2)} ms; cpu heap copies + decode + stats ${cpuPost.toFixed(2)} ms ` +
    `(the cpu path's download is inside its run); ratio ${(gpuPost / cpuPost).toFixed(2)}`);
  console.log(`boxes: ${result.boxes} on the GPU, ${result.cpuBoxes} in C++, ${result.same ? "the same peaks in the same order" : "DIFFERENT"}`);
  if (/swiftshader/i.test(result.adapter) || /google/i.test(result.adapter))
    console.log("note: WebGPU runs on SwiftShader (the CPU) here: these times do not represent a GPU; the bytes do.");
  const outDir = path.join(repoRoot, "test-output/bench");
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, `gpu-postprocess-${modelName}.json`), JSON.stringify({ date: new Date().toISOString(), model: modelName, size, load, ...result }, null, 1));
  if (!result.same) process.exitCode = 1;
} finally {
  await explorer.close();
}
