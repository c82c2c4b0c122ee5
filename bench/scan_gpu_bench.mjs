// The Scan view on WebGPU, counting on the GPU against reading every activation back, side by side in
// one page on the same model and images:
//
//   gpu   "GPU counts" on: each activation output stays on the GPU and is added to its layer's counts
//         there (shaders/channel_stats.wgsl); one 48-byte record per channel is read back at the end
//   wasm  "GPU counts" off: every output is read back and counted by core's LayerAccumulator in wasm
//
// Both run ORT Web's WebGPU back-end; scans alternate (gpu, wasm, gpu, ...). Prints the medians of the
// scan time (Scan pressed to report), their ratio, the bytes each read back, and checks that both
// reports name the same dead channels.
//
//   node bench/scan_gpu_bench.mjs [--model assets/models/broken.onnx] [--rounds 3]
//
// The images are the explorer's samples. On a machine without a GPU, WebGPU is SwiftShader (the
// CPU): the times say nothing about a GPU, the bytes do. Writes test-output/bench/scan-gpu.json.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startExplorer, openPage, waitForApp, waitFor, clickWidget, dropFiles, repoRoot } from "../tests/e2e/harness.mjs";

const args = { model: "assets/models/broken.onnx", rounds: "3" };
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const modelFile = path.resolve(repoRoot, args.model);
const rounds = Number(args.rounds);
if (!fs.existsSync(modelFile)) {
  console.error(`bench: ${modelFile} does not exist`);
  process.exit(2);
}
const load = os.loadavg()[0];
console.log(`scan GPU counts bench, ${new Date().toISOString().slice(0, 10)}, ${path.relative(repoRoot, modelFile)}, ${rounds} rounds, ` +
  `load ${load.toFixed(2)} on ${os.cpus().length} cores`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const product = (dims) => dims.reduce((a, b) => a * Math.max(0, b), 1);

const explorer = await startExplorer({ webgpu: true });
try {
  const { page } = await openPage(explorer);
  const status = await waitForApp(page);
  if (status.error) throw new Error(status.error);
  const probed = await waitFor(page, "s.backends.probed", 60000); // (GPU counts default off on a software adapter: set below)
  if (!probed.backends.webgpu_adapter) throw new Error("no WebGPU adapter in this browser");
  await page.evaluate(() => window.deadzone.call("dz_set_backend", null, ["string"], ["webgpu"]));
  await clickWidget(page, "tab:scan");
  await waitFor(page, "s.scan.images.length > 0", 60000);
  const name = path.basename(modelFile);
  await dropFiles(page, [{ name, bytes: fs.readFileSync(modelFile) }]);
  await waitFor(page, `s.scan.model === ${JSON.stringify(name)} && s.scan.phase === "ready"`, 60000);

  const results = { gpu: [], wasm: [] };
  let reports = {};
  for (let round = 0; round < rounds; ++round) {
    for (const mode of ["gpu", "wasm"]) {
      await page.evaluate((on) => window.deadzone.call("dz_scan_set_gpu_counts", null, ["number"], [on]), mode === "gpu" ? 1 : 0);
      await clickWidget(page, "scan:run");
      // This scan, not the last one (the first click may wait for the Detect view's WebGPU sessions).
      await waitFor(page, `s.scan.phase === "opening" || s.scan.phase === "running"`, 180000);
      const s = await waitFor(page, `s.scan.phase === "done" || s.scan.phase === "failed"`, 600000);
      if (s.scan.phase !== "done") throw new Error(`${mode} scan failed: ${s.scan.error}`);
      const report = JSON.parse(await page.evaluate(() => window.deadzone.call("dz_scan_report_text", "string", ["number"], [0])));
      results[mode].push({ seconds: s.scan.seconds, gpuLayers: s.scan.gpu_total_layers });
      reports[mode] = report;
    }
  }
  const report = reports.gpu;
  const layers = report.layers.length;
  const images = report.images.length;
  // wasm: every activation output of every image; gpu: one record per channel of each layer.
  const readBack = report.layers.reduce((sum, l) => sum + product(l.shape) * 4 * images, 0);
  const records = report.layers.reduce((sum, l) => sum + l.channels.length * 48, 0);
  const dead = (r) => JSON.stringify(r.layers.map((l) => l.dead_channels));
  const same = dead(reports.gpu) === dead(reports.wasm);
  const gpu = median(results.gpu.map((r) => r.seconds)), wasm = median(results.wasm.map((r) => r.seconds));
  console.log(`${layers} activation layers, ${images} images; the GPU counted ${results.gpu[0].gpuLayers} of ${layers} layers`);
  console.log(`gpu   counts on the GPU, records read back:   median ${gpu.toFixed(2)} s, ${records.toLocaleString("en")} bytes read back`);
  console.log(`wasm  every output read back, counted in wasm: median ${wasm.toFixed(2)} s, ${readBack.toLocaleString("en")} bytes read back`);
  console.log(`ratio gpu / wasm: ${(gpu / wasm).toFixed(2)} (time), ${(records / readBack).toFixed(4)} (bytes read back)`);
  console.log(`dead channels: ${same ? "the same in both reports" : "DIFFERENT"}`);
  if (/swiftshader|google/i.test(probed.backends.webgpu_adapter_info || ""))
    console.log("note: WebGPU runs on SwiftShader (the CPU) here: these times do not represent a GPU; the bytes do.");
  const outDir = path.join(repoRoot, "test-output/bench");
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "scan-gpu.json"), JSON.stringify({ date: new Date().toISOString(), model: name, load, layers, images,
    results, readBack, records, same }, null, 1));
  if (!same) process.exitCode = 1;
} finally {
  await explorer.close();
}
