// The WGSL shaders of shaders/ (through web/gpu_postprocess.js) against core/'s reference
// implementations (tests/fixtures/postprocess_reference, core's decode.h and channel statistics), in
// headless Chromium on SwiftShader's WebGPU. Creating the pipelines is also what validates the WGSL:
// a shader that does not compile fails here, with the compiler's message.
//
// Agreement asked for: the same detections in the same order, boxes within 1e-3 px, scores within
// 1e-6; counters exact; min/max exact; mean and standard deviation within float32's accumulated
// rounding (STATS_TOLERANCE below), since the GPU sums in float32 and core/ in double. (The GPU
// ranks peaks by its own float32 sigmoid: inputs whose scores differ by a few ULP could rank
// differently from core's; none of these do.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startExplorer, repoRoot } from "./harness.mjs";

const reference = path.join(repoRoot, "build/native/tests/fixtures/postprocess_reference");
const BOX_TOLERANCE = 1e-3; // px
const SCORE_TOLERANCE = 1e-6;
// Relative to the channel's spread (std + |mean| * 2^-20, float32's resolution at the mean): Welford
// and Chan's merge in float32 over ~10^4 values stay well inside it. Plus FLT_MIN, float32's smallest
// normal number: WGSL lets a GPU flush denormals to zero in arithmetic (SwiftShader does), so a mean
// or deviation of denormal size may come back as 0. Counts and min/max see denormals exactly.
const STATS_TOLERANCE = 2e-3;
const FLT_MIN = 1.1754943508222875e-38;

let explorer, page, dir;
before(async () => {
  assert.ok(fs.existsSync(reference), `${reference} is built by scripts/build.sh native`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deadzone-wgsl-"));
  explorer = await startExplorer({ webgpu: true });
  page = await explorer.context.newPage();
  // Any page of the server's origin will do (the explorer itself is not needed): a secure context
  // from which web/ and shaders/ can be imported and fetched.
  await page.goto(explorer.url + "/shaders/README.md");
  const ok = await page.evaluate(async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) return "no WebGPU adapter";
    const device = await adapter.requestDevice();
    const { GpuPostprocess } = await import("/web/gpu_postprocess.js");
    try {
      window.gpu = await GpuPostprocess.create(device, new URL("/shaders/", location.href));
    } catch (e) {
      return String(e.message);
    }
    return "ok";
  });
  assert.equal(ok, "ok", "the WGSL shaders compile and their pipelines are created");
});
after(async () => {
  await explorer?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// A deterministic generator (an LCG), so every run tests the same inputs.
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function runReference(args, values) {
  const file = path.join(dir, "values.bin");
  fs.writeFileSync(file, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  return JSON.parse(execFileSync(reference, [args[0], file, ...args.slice(1).map(String)], { encoding: "utf8" }));
}

// Heatmap [c,h,w] and wh [4,h,w] in one Float32Array (the reference's file layout).
function decodeCase({ c, h, w, fill }) {
  const values = new Float32Array((c + 4) * h * w);
  const heat = (k, y, x) => (k * h + y) * w + x;
  const wh = (side, y, x) => (c * h + side * h + y) * w + x;
  fill({ values, heat, wh });
  return values;
}

async function gpuDecode(values, { c, h, w }, params, letterbox) {
  return page.evaluate(async ([data, shape, p, lb]) => {
    const all = new Float32Array(data);
    const plane = shape.h * shape.w;
    return window.gpu.decode({ heatmap: all.slice(0, shape.c * plane), wh: all.slice(shape.c * plane), channels: shape.c,
      height: shape.h, width: shape.w }, p, lb);
  }, [Array.from(values), { c, h, w }, params, letterbox]);
}

async function checkDecode(name, shape, values, { stride = 4, topK = 100, threshold = 0.1, source, input } = {}) {
  const inputW = input?.[0] ?? shape.w * stride, inputH = input?.[1] ?? shape.h * stride;
  const sourceW = source?.[0] ?? inputW, sourceH = source?.[1] ?? inputH;
  const ref = runReference(["decode", shape.c, shape.h, shape.w, stride, topK, threshold, sourceW, sourceH, inputW, inputH], values);
  const gpu = await gpuDecode(values, shape, { stride, topK, scoreThreshold: threshold }, ref.letterbox);
  assert.equal(gpu.nonfiniteHeatmap, ref.nonfiniteHeatmap, `${name}: non-finite heatmap cells`);
  assert.equal(gpu.nonfiniteWh, ref.nonfiniteWh, `${name}: non-finite wh values`);
  assert.equal(gpu.droppedPeaks, ref.droppedPeaks, `${name}: dropped peaks`);
  assert.equal(gpu.detections.length, ref.detections.length, `${name}: detections`);
  ref.detections.forEach((r, i) => {
    const g = gpu.detections[i];
    assert.deepEqual([g.classId, g.cellY, g.cellX], [r.classId, r.cellY, r.cellX], `${name}: detection ${i} is the same peak`);
    for (const key of ["x1", "y1", "x2", "y2", "centerX", "centerY"])
      assert.ok(Math.abs(g[key] - r[key]) <= BOX_TOLERANCE, `${name}: detection ${i} ${key} ${g[key]} vs ${r[key]}`);
    assert.ok(Math.abs(g.score - r.score) <= SCORE_TOLERANCE, `${name}: detection ${i} score ${g.score} vs ${r.score}`);
  });
  return { gpu, ref };
}

test("decode on the GPU gives core's detections: smooth maps, a letterbox, ties, plateaus and border peaks", async () => {
  const rnd = random(1);
  const shape = { c: 3, h: 40, w: 52 };
  const smooth = decodeCase({ ...shape, fill: ({ values, heat, wh }) => {
    for (let k = 0; k < shape.c; ++k)
      for (let y = 0; y < shape.h; ++y)
        for (let x = 0; x < shape.w; ++x)
          values[heat(k, y, x)] = -4 + 3 * Math.sin(x * 0.7 + k) * Math.cos(y * 0.5 - k) + rnd();
    for (let s = 0; s < 4; ++s)
      for (let y = 0; y < shape.h; ++y) for (let x = 0; x < shape.w; ++x) values[wh(s, y, x)] = 40 * rnd();
  } });
  const { ref } = await checkDecode("smooth", shape, smooth, { source: [300, 210] });
  assert.ok(ref.detections.length > 20, "the smooth case has peaks to order");

  const tied = decodeCase({ ...shape, fill: ({ values, heat, wh }) => {
    values.fill(-8, 0, shape.c * shape.h * shape.w);
    for (let k = 0; k < shape.c; ++k) {
      values[heat(k, 0, 0)] = 2;                       // corner peaks, equal across classes
      values[heat(k, shape.h - 1, shape.w - 1)] = 2;
      values[heat(k, 0, 20)] = 1.5;                    // top edge
      for (const [y, x] of [[10, 10], [10, 11], [11, 10], [11, 11]]) values[heat(k, y, x)] = 1; // a 2x2 plateau
      values[heat(k, 20, 30)] = 30 + k;                // saturated: score exactly 1 for every class
      values[heat(k, 25, 5)] = 40;
    }
    for (let s = 0; s < 4; ++s)
      for (let y = 0; y < shape.h; ++y) for (let x = 0; x < shape.w; ++x) values[wh(s, y, x)] = 3 + s + (x % 5);
  } });
  const tiedResult = await checkDecode("ties", shape, tied);
  assert.ok(tiedResult.ref.detections.length >= 3 * 9, "every tied peak is kept");
  await checkDecode("ties, top-K cut inside a tie", shape, tied, { topK: 7 });
});

test("decode on the GPU: an all-zero channel (every cell a peak), a dead wh channel, NaN, Inf, denormals and large values", async () => {
  const shape = { c: 2, h: 24, w: 24 };
  const dead = decodeCase({ ...shape, fill: ({ values, heat, wh }) => {
    for (let y = 0; y < shape.h; ++y) for (let x = 0; x < shape.w; ++x) values[heat(1, y, x)] = -6;
    values[heat(1, 12, 12)] = 3;
    for (let s = 1; s < 4; ++s) for (let y = 0; y < shape.h; ++y) for (let x = 0; x < shape.w; ++x) values[wh(s, y, x)] = 8; // left dead
  } });
  const deadResult = await checkDecode("all-zero heatmap channel, dead left channel", shape, dead, { topK: 300 });
  assert.equal(deadResult.ref.detections.length, 300, "an all-zero channel makes every cell a peak at score 0.5");
  assert.ok(deadResult.gpu.detections.every((d) => d.x1 === d.centerX), "a dead left channel puts every box's left edge on its centre");

  const nan = NaN, inf = Infinity;
  const faulty = decodeCase({ ...shape, fill: ({ values, heat, wh }) => {
    values.fill(-5, 0, shape.c * shape.h * shape.w);
    values[heat(0, 3, 3)] = 2;
    values[heat(0, 3, 4)] = nan;   // a NaN neighbour is ignored: (3,3) stays a peak
    values[heat(0, 8, 8)] = inf;   // an Inf cell is not a peak; its neighbour is
    values[heat(0, 8, 9)] = 1;
    values[heat(0, 15, 15)] = -inf;
    values[heat(1, 5, 20)] = 2.5;  // its wh is NaN: dropped and counted
    values[heat(1, 20, 5)] = 1e-40;  // denormal logits: 1e-40 > 0 > -1e-40 exactly, as on the CPU
    values[heat(1, 20, 6)] = 0;
    values[heat(1, 21, 5)] = -1e-40;
    values[heat(1, 10, 10)] = 3e38; // large logits: score 1
    values[heat(1, 12, 10)] = 1e30;
    for (let s = 0; s < 4; ++s) for (let y = 0; y < shape.h; ++y) for (let x = 0; x < shape.w; ++x) values[wh(s, y, x)] = 5;
    values[wh(2, 5, 20)] = nan;
    values[wh(1, 0, 0)] = -inf;    // not at a peak: only counted
    values[wh(3, 10, 10)] = 1e30;  // a huge box: clipped to the image
    values[wh(0, 12, 10)] = 1e-39;
  } });
  const { ref } = await checkDecode("NaN, Inf, denormals, large values", shape, faulty, { threshold: 0.3 });
  assert.equal(ref.droppedPeaks, 1);
  assert.equal(ref.nonfiniteHeatmap, 3);
  assert.equal(ref.nonfiniteWh, 2);
  assert.ok(ref.detections.some((d) => d.cellX === 5 && d.cellY === 20 && d.classId === 1), "the denormal peak");
  assert.ok(!ref.detections.some((d) => d.cellX === 6 && d.cellY === 20 && d.classId === 1), "0 is below its denormal neighbour");
  await checkDecode("threshold 0, top-K 1", shape, faulty, { threshold: 0, topK: 1 });
});

// op: [] (Relu), [op_type] or ["Clip", lower, upper]; the zero-gradient region is core's
// (InactiveRegion, printed by the reference), handed to the GPU as it is.
async function checkStats(name, { images, channels, positions }, values, batches, op = []) {
  const ref = runReference(["stats", images, channels, positions, ...op], values);
  const region = { zero: ref.region.zero, lower: ref.region.lower ?? -Infinity, upper: ref.region.upper ?? Infinity };
  const gpu = await page.evaluate(async ([data, shape, batchSizes, region]) => {
    const all = new Float32Array(data);
    const stats = window.gpu.channelStats(shape.channels, shape.positions, region);
    const per = shape.channels * shape.positions;
    let at = 0;
    for (const n of batchSizes) {
      stats.add(all.slice(at * per, (at + n) * per), n);
      at += n;
    }
    const result = await stats.read();
    stats.destroy();
    return result;
  }, [Array.from(values), { channels, positions }, batches, region]);
  assert.equal(gpu.channels.length, channels);
  assert.equal(gpu.bytesRead, channels * 48, "one 48-byte record per channel is read back");
  ref.channels.forEach((r, c) => {
    const g = gpu.channels[c];
    const label = `${name}: channel ${c}`;
    assert.deepEqual([g.values, g.finite, g.nans, g.infs, g.zeros, g.positives, g.inactive, g.deadUnits],
      [r.values, r.finite, r.nans, r.infs, r.zeros, r.positives, r.inactive, r.deadUnits], `${label}: counts`);
    assert.ok(g.min === r.min && g.max === r.max, `${label}: min/max ${g.min}/${g.max} vs ${r.min}/${r.max}`);
    const scale = r.std + Math.abs(r.mean) * 2 ** -20;
    assert.ok(Math.abs(g.mean - r.mean) <= STATS_TOLERANCE * scale + FLT_MIN, `${label}: mean ${g.mean} vs ${r.mean}`);
    assert.ok(Math.abs(g.std - r.std) <= STATS_TOLERANCE * scale + FLT_MIN, `${label}: std ${g.std} vs ${r.std}`);
  });
  return { gpu, ref };
}

test("channel statistics on the GPU equal core's: counts and min/max exact, dead units across images, NaN/Inf, -0, denormals", async () => {
  const rnd = random(7);
  const shape = { images: 3, channels: 6, positions: 1031 }; // not a multiple of 32
  const values = new Float32Array(shape.images * shape.channels * shape.positions);
  const at = (n, c, p) => (n * shape.channels + c) * shape.positions + p;
  for (let n = 0; n < shape.images; ++n) {
    for (let p = 0; p < shape.positions; ++p) {
      values[at(n, 0, p)] = 0;                                                       // a dead channel
      values[at(n, 1, p)] = p % 7 === 0 ? 0 : Math.max(0, rnd() * 2 - 0.5);          // ReLU-like; some units dead on every image
      values[at(n, 2, p)] = rnd() * 10 - 5;
      values[at(n, 3, p)] = 1e4 + rnd();                                             // a large offset
      values[at(n, 4, p)] = (rnd() - 0.5) * 1e15;                                    // large values
      values[at(n, 5, p)] = p % 3 === 0 ? 1e-40 : p % 3 === 1 ? -1e-41 : -0;          // denormals and -0
    }
  }
  values[at(0, 2, 5)] = NaN;
  values[at(1, 2, 6)] = Infinity;
  values[at(2, 2, 7)] = -Infinity;
  values[at(1, 0, 9)] = NaN; // a NaN is never inactive: that unit of the dead channel is alive
  const { ref } = await checkStats("one image per call", shape, values, [1, 1, 1]);
  assert.equal(ref.channels[0].deadUnits, shape.positions - 1);
  assert.ok(ref.channels[1].deadUnits >= Math.floor(shape.positions / 7));
  await checkStats("a batch of 2, then 1", shape, values, [2, 1]);
});

test("each activation's zero-gradient region on the GPU is core's: Clip's bounds, HardSigmoid, Sigmoid and Tanh saturation, ops that never die", async () => {
  const rnd = random(11);
  const shape = { images: 2, channels: 3, positions: 257 };
  const values = new Float32Array(shape.images * shape.channels * shape.positions);
  const special = [0, -0, 6, 6.000001, 5.999999, 1, 0.9999, 0.99995, 1e-4, 1e-5, -1, -0.99995, Infinity, -Infinity, NaN, 1e-40];
  for (let i = 0; i < values.length; ++i) values[i] = i % 4 === 0 ? special[(i >> 2) % special.length] : rnd() * 16 - 8;
  // Channel 2 of image 0 and 1 sits at 6 where p % 5 == 0: units dead under Clip(0, 6) on both images.
  for (let n = 0; n < shape.images; ++n)
    for (let p = 0; p < shape.positions; p += 5) values[(n * shape.channels + 2) * shape.positions + p] = 6;
  for (const op of [["Clip", 0, 6], ["Clip", -1e30, 1], ["HardSigmoid"], ["Sigmoid"], ["Tanh"], ["HardSwish"], ["LeakyRelu"]]) {
    const { ref } = await checkStats(op.join(" "), shape, values, [1, 1], op);
    if (op[0] === "LeakyRelu") assert.ok(ref.channels.every((c) => c.inactive === 0 && c.deadUnits === 0), "LeakyReLU never dies");
    else assert.ok(ref.channels.some((c) => c.inactive > 0), `${op.join(" ")}: the inputs reach its region`);
  }
});

test("a shader that does not compile is an error naming the line, not a silent fallback", async () => {
  const route = "**/shaders-broken/decode.wgsl";
  await page.route(route, (r) => r.fulfill({ contentType: "text/plain", body: "fn broken( -> { let x = ; }" }));
  for (const other of ["channel_stats.wgsl", "float_bits.wgsl"])
    await page.route(`**/shaders-broken/${other}`, (r) => r.continue({ url: r.request().url().replace("shaders-broken", "shaders") }));
  const message = await page.evaluate(async () => {
    const { GpuPostprocess } = await import("/web/gpu_postprocess.js");
    try {
      await GpuPostprocess.create(window.gpu.device, new URL("/shaders-broken/", location.href));
      return "created";
    } catch (e) {
      return String(e.message);
    }
  });
  assert.match(message, /^decode\.wgsl does not compile: line 1:\d+ /);
});

test("ONNX Runtime's outputs left on the GPU are decoded on its own device, as core decodes them read back", async () => {
  const result = await page.evaluate(async () => {
    const ort = await import("/ort/ort.min.mjs");
    ort.env.wasm.wasmPaths = location.origin + "/ort/";
    ort.env.logLevel = "error";
    const bytes = new Uint8Array(await (await fetch("/test-models/broken.onnx")).arrayBuffer());
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ["webgpu"], preferredOutputLocation: "gpu-buffer" });
    const device = await ort.env.webgpu.device;
    const { GpuPostprocess } = await import("/web/gpu_postprocess.js");
    const gpu = await GpuPostprocess.create(device, new URL("/shaders/", location.href));
    // A dark image with a red blob (the test model's red_blob class), ImageNet-normalised.
    const size = 320, input = new Float32Array(3 * size * size);
    const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
    for (let y = 0; y < size; ++y)
      for (let x = 0; x < size; ++x) {
        const a = Math.exp(-((x - 120) ** 2 + (y - 90) ** 2) / (2 * 30 * 30));
        const rgb = [0.1 + 0.85 * a, 0.1 + 0.05 * a, 0.12];
        for (let c = 0; c < 3; ++c) input[(c * size + y) * size + x] = (rgb[c] - mean[c]) / std[c];
      }
    const out = await session.run({ image: new ort.Tensor("float32", input, [1, 3, size, size]) }, ["heatmap", "wh"]);
    const [, channels, height, width] = out.heatmap.dims;
    const onGpu = out.heatmap.location === "gpu-buffer" && out.wh.location === "gpu-buffer";
    const decoded = await gpu.decode({ heatmap: out.heatmap.gpuBuffer, wh: out.wh.gpuBuffer, channels, height, width },
      { stride: 4, topK: 100, scoreThreshold: 0.1 }, { padLeft: 0, padTop: 0, scale: 1, sourceWidth: size, sourceHeight: size });
    const maps = [...await out.heatmap.getData(), ...await out.wh.getData()];
    return { onGpu, decoded, maps, shape: { c: channels, h: height, w: width } };
  });
  assert.ok(result.onGpu, "the outputs stayed on the GPU");
  const ref = runReference(["decode", result.shape.c, result.shape.h, result.shape.w, 4, 100, 0.1, 320, 320, 320, 320], new Float32Array(result.maps));
  assert.ok(ref.detections.length >= 1, "the red blob is found");
  assert.equal(result.decoded.detections.length, ref.detections.length);
  ref.detections.forEach((r, i) => {
    const g = result.decoded.detections[i];
    assert.deepEqual([g.classId, g.cellY, g.cellX], [r.classId, r.cellY, r.cellX]);
    assert.ok(Math.abs(g.x1 - r.x1) <= BOX_TOLERANCE && Math.abs(g.x2 - r.x2) <= BOX_TOLERANCE, `detection ${i}`);
  });
});
