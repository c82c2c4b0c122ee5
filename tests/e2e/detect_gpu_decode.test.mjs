// The Detect view's "GPU decode" on WebGPU (SwiftShader here): the boxes and the wh statistics come
// from shaders/decode.wgsl and channel_stats.wgsl where ONNX Runtime left the outputs, and the maps
// are read back only when a view needs them (the colour map, the hover read-out, a slider). The
// same session and input decoded in wasm by core's decode is the reference: same boxes in the same
// order (1e-3 px, scores 1e-6), the same dead channel, counts and min/max exact.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startExplorer, repoRoot, dropFiles, state, waitFor, bothDone, openWithModels, screenshot } from "./harness.mjs";

const SAMPLE = path.join(repoRoot, "assets/images/blobs-wide.png");

let explorer, page;
before(async () => {
  explorer = await startExplorer({ webgpu: true });
  ({ page } = await openWithModels(explorer));
});
after(async () => {
  await explorer?.close();
});

const setGpuDecode = (on) => page.evaluate((v) => window.deadzone.call("dz_detect_set_gpu_decode", null, ["number"], [v]), on ? 1 : 0);

// Both panels hold a result for the current image, decoded on the GPU (true) or in wasm (false).
async function bothDecoded(onGpu) {
  const gen = (await state(page)).image.generation;
  return waitFor(page, `${bothDone(gen, "webgpu")} && s.panels.every((p) => p.decoded_on_gpu === ${onGpu})`);
}

function assertSameDetections(gpu, cpu, what) {
  assert.equal(gpu.length, cpu.length, `${what}: ${gpu.length} vs ${cpu.length} boxes`);
  gpu.forEach((g, i) => {
    const c = cpu[i];
    assert.equal(g.class_id, c.class_id, `${what} #${i}: class`);
    assert.deepEqual(g.cell, c.cell, `${what} #${i}: peak cell`);
    for (const k of ["x1", "y1", "x2", "y2", "cx", "cy"]) assert.ok(Math.abs(g[k] - c[k]) <= 1e-3, `${what} #${i}: ${k} ${g[k]} vs ${c[k]}`);
    assert.ok(Math.abs(g.score - c.score) <= 1e-6, `${what} #${i}: score ${g.score} vs ${c.score}`);
  });
}

function assertSameChannels(gpu, cpu, what) {
  assert.equal(gpu.length, 4);
  gpu.forEach((g, c) => {
    assert.equal(g.dead, cpu[c].dead, `${what} ${g.name}: dead`);
    for (const side of ["pre", "post"]) {
      const a = g[side], b = cpu[c][side];
      if (b === null) {
        assert.equal(a, null);
        continue;
      }
      for (const k of ["count", "nan", "inf", "min", "max", "fraction_zero", "fraction_positive"])
        assert.equal(a[k], b[k], `${what} ${g.name} ${side}.${k}`);
      // The GPU keeps mean and spread in float32: within 2e-3 of the spread, plus a few float32 steps at the mean.
      const tolerance = 2e-3 * b.std + Math.abs(b.mean) * 2 ** -20 + 1e-30;
      for (const k of ["mean", "std"]) assert.ok(Math.abs(a[k] - b[k]) <= tolerance, `${what} ${g.name} ${side}.${k} ${a[k]} vs ${b[k]}`);
    }
  });
}

test("GPU decode: the WGSL shaders give core's boxes and statistics, and only boxes and counters come back until a view needs the maps", async () => {
  let s = await state(page);
  assert.equal(s.backend, "webgpu");
  assert.equal(s.decode_on_gpu, false, "off by default on a software adapter (SwiftShader)");
  await setGpuDecode(true);
  const before = s.image.generation;
  await dropFiles(page, [{ name: "blobs-wide.png", bytes: fs.readFileSync(SAMPLE) }]);
  await waitFor(page, `s.image.generation === ${before + 1}`, 30000);
  s = await bothDecoded(true);
  assert.ok(s.panels.every((p) => p.maps_on_gpu), "the maps stay on the GPU while no view needs them");
  assert.ok(s.panels.every((p) => p.detections.length > 0));
  const gpu = s.panels.map((p) => ({ detections: p.detections, channels: p.channels, dump: p.dump_text }));
  assert.ok(gpu[0].channels[0].dead, "the broken model's left channel is dead, counted on the GPU");
  assert.ok(!gpu[1].channels.some((c) => c.dead));

  // The reference: the same session and input, read back and decoded by core in wasm.
  await setGpuDecode(false);
  s = await bothDecoded(false);
  for (let i = 0; i < 2; ++i) {
    assert.equal(s.panels[i].maps_on_gpu, false);
    assertSameDetections(gpu[i].detections, s.panels[i].detections, `panel ${i}`);
    assertSameChannels(gpu[i].channels, s.panels[i].channels, `panel ${i}`);
  }
  const cpu = s.panels.map((p) => p.detections);

  // The hover read-out needs the maps of the panel under the mouse, and only those.
  await setGpuDecode(true);
  s = await bothDecoded(true);
  const [x, y] = s.panels[0].image_rect;
  await page.mouse.move(x + 20, y + 20);
  s = await waitFor(page, `!s.panels[0].maps_on_gpu && s.hover.panel === 0`, 20000);
  assert.equal(s.panels[0].maps_error, "");
  assert.equal(s.panels[1].maps_on_gpu, true, "the other panel's maps were not read");
  await page.mouse.move(1, 1);

  // A slider: the maps come back and core decodes them with the new threshold.
  const threshold = 0.5;
  await page.evaluate((t) => window.deadzone.call("dz_set_decode_params", null, ["number", "number"], [t, 100]), threshold);
  s = await waitFor(page, `s.panels.every((p) => !p.maps_on_gpu && !p.decoded_on_gpu)`, 20000);
  for (let i = 0; i < 2; ++i)
    assertSameDetections(s.panels[i].detections, cpu[i].filter((d) => d.score >= threshold), `panel ${i} at threshold ${threshold}`);
  await page.evaluate(() => window.deadzone.call("dz_set_decode_params", null, ["number", "number"], [0.3, 100]));

  // The colour map: a fresh GPU-decoded result reads its maps back to draw it.
  await page.evaluate(() => window.deadzone.call("dz_set_backend", null, ["string"], ["wasm"]));
  await page.evaluate(() => window.deadzone.call("dz_set_backend", null, ["string"], ["webgpu"]));
  s = await bothDecoded(true);
  assert.ok(s.panels.every((p) => p.maps_on_gpu));
  await page.evaluate(() => window.deadzone.call("dz_set_overlay", null, ["number"], [2])); // wh channel 0
  s = await waitFor(page, `s.panels.every((p) => !p.maps_on_gpu && p.overlay_kind === 2 && p.colour_bar !== null)`, 20000);
  assert.ok(s.panels.every((p) => p.decoded_on_gpu), "reading the maps for a colour map keeps the GPU's boxes");
  await screenshot(page, "detect-gpu-decode");
});
