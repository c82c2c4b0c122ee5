// Post-processing on the GPU with the WGSL compute shaders of shaders/: the TTFNet decode
// (shaders/decode.wgsl) and per-channel statistics accumulated over images
// (shaders/channel_stats.wgsl). Inputs are GPUBuffers (e.g. ONNX Runtime Web's outputs left on the
// GPU, on ORT's own device) or Float32Arrays, which are uploaded; only the boxes and the counters are
// read back. Both follow core/'s reference conventions (core/include/deadzone/decode.h,
// channel_stats.h, activation_scan.h) and are tested against them (tests/e2e/wgsl_postprocess.test.mjs).
//
//   const gpu = await GpuPostprocess.create(device, new URL("../shaders/", import.meta.url));
//   const { detections, nonfiniteHeatmap, bytesRead } = await gpu.decode(maps, params, letterbox);
//   const stats = gpu.channelStats(channels, positions);  stats.add(buffer, batch);  await stats.read();
//
// A shader that does not compile is an error at create(), with the compiler's messages. Inputs that
// do not fit (a GPUBuffer smaller than its shape, a buffer over the device's binding limit) and any
// validation or out-of-memory error of the GPU work are thrown, never returned as empty results.

const WORKGROUP = 256;
const MAX_GROUPS_X = 65535; // WebGPU's guaranteed maxComputeWorkgroupsPerDimension
const BOX_WORDS = 10; // struct Box of decode.wgsl
const COUNTER_BYTES = 32; // struct Counters of decode.wgsl (5 words), read back with the boxes after it
const RECORD_WORDS = 12; // struct ChannelRecord of channel_stats.wgsl
const UNIFORM_ALIGN = 256; // minUniformBufferOffsetAlignment's guaranteed limit

// Workgroup counts for n invocations of WORKGROUP each, folded into y past the x limit (the shaders
// rebuild the index as x + y * groups.x * WORKGROUP).
function groupsFor(n) {
  const groups = Math.max(1, Math.ceil(n / WORKGROUP));
  return groups <= MAX_GROUPS_X ? [groups, 1] : [MAX_GROUPS_X, Math.ceil(groups / MAX_GROUPS_X)];
}

// One workgroup per channel, folded likewise.
function channelGroups(channels) {
  return channels <= MAX_GROUPS_X ? [channels, 1] : [MAX_GROUPS_X, Math.ceil(channels / MAX_GROUPS_X)];
}

function nextPowerOfTwo(n) {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

// The shaders' order_key: a finite float32's bits as an unsigned key with the float's order.
function orderKey(value) {
  let bits = new Uint32Array(new Float32Array([value]).buffer)[0];
  if (bits === 0x80000000) bits = 0;
  return ((bits & 0x80000000) !== 0 ? ~bits : bits | 0x80000000) >>> 0;
}

// The float32 bits of an order-preserving key (the inverse of the shaders' order_key).
function keyToFloat(key) {
  const bits = (key & 0x80000000) !== 0 ? (key & 0x7fffffff) >>> 0 : (~key) >>> 0;
  return new Float32Array(new Uint32Array([bits]).buffer)[0];
}

async function fetchText(url, label) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${label}: cannot fetch ${url} (HTTP ${response.status})`);
  return response.text();
}

// Compiles the shader at `url` behind `prelude` (shaders/float_bits.wgsl); errors name the line in
// whichever of the two files it is.
async function compile(device, url, label, prelude) {
  const preludeLines = prelude.split("\n").length;
  const module = device.createShaderModule({ label, code: prelude + "\n" + await fetchText(url, label) });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === "error");
  const where = (m) => m.lineNum > preludeLines ? `line ${m.lineNum - preludeLines}:${m.linePos}` : `float_bits.wgsl line ${m.lineNum}:${m.linePos}`;
  if (errors.length > 0) throw new Error(`${label} does not compile: ` + errors.map((m) => `${where(m)} ${m.message}`).join("; "));
  return module;
}

// Runs `work` (which encodes and submits GPU commands) inside validation and out-of-memory error
// scopes, and throws the first error either reports: an invalid command buffer would otherwise
// leave its results silently zero.
async function checked(device, label, work) {
  device.pushErrorScope("validation");
  device.pushErrorScope("out-of-memory");
  let result, thrown;
  try {
    result = work();
  } catch (e) {
    thrown = e;
  }
  const [memory, validation] = [await device.popErrorScope(), await device.popErrorScope()];
  if (thrown) throw thrown;
  const error = memory || validation;
  if (error) throw new Error(`${label}: ${error.message}`);
  return result;
}

async function pipelines(device, module, label, entryPoints) {
  device.pushErrorScope("validation");
  const made = {};
  for (const entryPoint of entryPoints)
    made[entryPoint] = device.createComputePipeline({ label: `${label}:${entryPoint}`, layout: "auto", compute: { module, entryPoint } });
  const error = await device.popErrorScope();
  if (error) throw new Error(`${label}: ${error.message}`);
  return made;
}

export class GpuPostprocess {
  // device: a GPUDevice (ORT's, to read its output buffers); shaderBase: the URL of shaders/.
  static async create(device, shaderBase) {
    const prelude = await fetchText(new URL("float_bits.wgsl", shaderBase), "float_bits.wgsl");
    const [decode, stats] = await Promise.all([
      compile(device, new URL("decode.wgsl", shaderBase), "decode.wgsl", prelude),
      compile(device, new URL("channel_stats.wgsl", shaderBase), "channel_stats.wgsl", prelude),
    ]);
    return new GpuPostprocess(device,
      await pipelines(device, decode, "decode.wgsl", ["find_peaks", "count_wh", "sort_step", "write_boxes"]),
      await pipelines(device, stats, "channel_stats.wgsl", ["accumulate", "count_dead_units"]));
  }

  constructor(device, decodePipelines, statsPipelines) {
    this.device = device;
    this.decodePipelines = decodePipelines;
    this.statsPipelines = statsPipelines;
  }

  // The largest storage buffer one binding may hold on this device, in bytes.
  get maxBindingBytes() {
    return Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
  }

  // A storage buffer holding `data` (a Float32Array of `count` values), or `data` itself when it is a
  // GPUBuffer of at least count float32s. Throws when the data does not hold that many values or
  // does not fit one binding.
  storage(data, count, what, owned) {
    const bytes = count * 4;
    if (bytes > this.maxBindingBytes)
      throw new Error(`${what}: ${(bytes / 1048576).toFixed(1)} MB is over this GPU's ${(this.maxBindingBytes / 1048576).toFixed(0)} MB binding limit`);
    if (data instanceof Float32Array) {
      if (data.length !== count) throw new Error(`${what}: ${data.length} values, expected ${count}`);
    } else if (!(data && data.size >= bytes)) {
      throw new Error(`${what}: a GPU buffer of ${data && data.size} bytes, expected at least ${bytes}`);
    }
    if (!(data instanceof Float32Array)) return data;
    const buffer = this.device.createBuffer({ size: Math.max(16, data.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buffer, 0, data);
    owned.push(buffer);
    return buffer;
  }

  // maps: {heatmap, wh} (GPUBuffer or Float32Array; heatmap [C,H,W] logits, wh [4,H,W] input
  // pixels), {channels, height, width}. params: {stride, topK, scoreThreshold} as DecodeParams.
  // letterbox: {padLeft, padTop, scale, sourceWidth, sourceHeight} as core's Letterbox.
  // -> {detections: [{x1, y1, x2, y2, score, classId, centerX, centerY, cellX, cellY}],
  //     nonfiniteHeatmap, nonfiniteWh, droppedPeaks, peaks, bytesRead}
  async decode(maps, params, letterbox) {
    const { channels, height, width } = maps;
    const cells = channels * height * width;
    if (!(cells > 0) || cells >= 0xffffffff) throw new Error(`decode: heatmap [${channels},${height},${width}] is empty or too large`);
    if (!(params.stride > 0) || !(params.topK > 0)) throw new Error("decode: stride and top_k must be positive");
    const device = this.device;
    const owned = [];
    const capacity = nextPowerOfTwo(cells);
    if (capacity * 8 > this.maxBindingBytes) throw new Error(`decode: ${cells} heatmap cells need more sort keys than this GPU binds`);
    const topK = Math.min(params.topK, cells); // there are never more peaks than cells
    const heatmapBuffer = this.storage(maps.heatmap, cells, "decode: heatmap", owned);
    const whBuffer = this.storage(maps.wh, 4 * height * width, "decode: wh", owned);
    const uniform = new ArrayBuffer(48);
    new Uint32Array(uniform, 0, 6).set([channels, height, width, params.stride, topK, capacity]);
    new Float32Array(uniform, 24, 6).set([params.scoreThreshold, letterbox.padLeft, letterbox.padTop, letterbox.scale,
      letterbox.sourceWidth, letterbox.sourceHeight]);
    const paramBuffer = device.createBuffer({ size: 48, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(paramBuffer, 0, uniform);
    owned.push(paramBuffer);

    // Bitonic stages: blocks of 2, 4, ... capacity keys, partners block/2 ... 1 apart.
    const stages = [];
    for (let block = 2; block <= capacity; block *= 2)
      for (let distance = block / 2; distance >= 1; distance /= 2) stages.push([block, distance]);
    const stageBuffer = device.createBuffer({ size: Math.max(1, stages.length) * UNIFORM_ALIGN, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const stageData = new Uint32Array(Math.max(1, stages.length) * UNIFORM_ALIGN / 4);
    stages.forEach(([block, distance], i) => stageData.set([block, distance], i * UNIFORM_ALIGN / 4));
    device.queue.writeBuffer(stageBuffer, 0, stageData);
    owned.push(stageBuffer);

    const keys = device.createBuffer({ size: capacity * 8, usage: GPUBufferUsage.STORAGE });
    const counters = device.createBuffer({ size: COUNTER_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const boxes = device.createBuffer({ size: topK * BOX_WORDS * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const resultBytes = COUNTER_BYTES + topK * BOX_WORDS * 4;
    const readback = device.createBuffer({ size: resultBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    owned.push(keys, counters, boxes, readback);
    device.queue.writeBuffer(counters, 0, new Uint32Array(COUNTER_BYTES / 4));

    // Bindings of decode.wgsl's group 0, in order; with "auto" layouts each pass binds only those
    // its entry point uses.
    const bindings = [paramBuffer, heatmapBuffer, whBuffer, keys, counters, boxes];
    const used = { find_peaks: [0, 1, 3, 4], count_wh: [0, 2, 4], sort_step: [0, 3], write_boxes: [0, 2, 3, 4, 5] };
    const p = this.decodePipelines;
    const use = (pass, entryPoint) => {
      pass.setPipeline(p[entryPoint]);
      pass.setBindGroup(0, device.createBindGroup({
        layout: p[entryPoint].getBindGroupLayout(0),
        entries: used[entryPoint].map((binding) => ({ binding, resource: { buffer: bindings[binding] } })),
      }));
    };

    const encode = () => {
      const encoder = device.createCommandEncoder({ label: "decode" });
      const pass = encoder.beginComputePass({ label: "decode" });
      use(pass, "find_peaks");
      pass.dispatchWorkgroups(...groupsFor(capacity));
      use(pass, "count_wh");
      pass.dispatchWorkgroups(...groupsFor(4 * height * width));
      if (stages.length > 0) {
        use(pass, "sort_step");
        stages.forEach((_, i) => {
          pass.setBindGroup(1, device.createBindGroup({
            layout: p.sort_step.getBindGroupLayout(1),
            entries: [{ binding: 0, resource: { buffer: stageBuffer, offset: i * UNIFORM_ALIGN, size: 8 } }],
          }));
          pass.dispatchWorkgroups(...groupsFor(capacity / 2));
        });
      }
      use(pass, "write_boxes");
      pass.dispatchWorkgroups(1);
      pass.end();
      encoder.copyBufferToBuffer(counters, 0, readback, 0, COUNTER_BYTES);
      encoder.copyBufferToBuffer(boxes, 0, readback, COUNTER_BYTES, topK * BOX_WORDS * 4);
      device.queue.submit([encoder.finish()]);
    };

    try {
      await checked(device, "decode", encode);
      await readback.mapAsync(GPUMapMode.READ);
      const bytes = readback.getMappedRange().slice(0);
      readback.unmap();
      const words = new Uint32Array(bytes);
      const floats = new Float32Array(bytes);
      const count = words[4];
      const detections = [];
      for (let i = 0; i < count; ++i) {
        const o = COUNTER_BYTES / 4 + i * BOX_WORDS;
        detections.push({ x1: floats[o], y1: floats[o + 1], x2: floats[o + 2], y2: floats[o + 3], score: floats[o + 4],
          centerX: floats[o + 5], centerY: floats[o + 6], classId: words[o + 7], cellX: words[o + 8], cellY: words[o + 9] });
      }
      return { detections, nonfiniteHeatmap: words[0], nonfiniteWh: words[1], peaks: words[2], droppedPeaks: words[3],
        bytesRead: resultBytes };
    } finally {
      for (const b of owned) b.destroy(); // buffers made here, never the caller's
    }
  }

  // Per-channel statistics of an activation of `channels` x `positions` (H*W) values per image,
  // accumulated over calls to add(); read() returns one record per channel:
  //   {values, zeros, positives, nans, infs, finite, min, max, mean, sum, sumSquares, std, inactive, deadUnits}
  // min/max/mean/std over finite values (0 when there are none), std the population one. `inactive`
  // counts the values in the activation's zero-gradient region, given as core's InactiveRegion
  // (activation_scan.h): {zero: exact 0 is inactive, lower, upper: inclusive bounds, +-Infinity for
  // none}; deadUnits are the positions inactive on every image (the scan's dead units). The default
  // region is ReLU's.
  channelStats(channels, positions, region = { zero: true, lower: -Infinity, upper: Infinity }) {
    if (!(channels > 0 && positions > 0)) throw new Error(`channelStats: ${channels} channels x ${positions} positions is empty`);
    return new ChannelStatsAccumulator(this, channels, positions, region);
  }
}

class ChannelStatsAccumulator {
  constructor(gpu, channels, positions, region) {
    const device = gpu.device;
    const words = Math.ceil(positions / 32);
    if (Math.max(channels * RECORD_WORDS * 4, channels * words * 4) > gpu.maxBindingBytes)
      throw new Error(`channelStats: ${channels} channels x ${positions} positions need more than this GPU binds`);
    this.gpu = gpu;
    this.channels = channels;
    this.positions = positions;
    this.region = region;
    this.records = device.createBuffer({ size: channels * RECORD_WORDS * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const initial = new Uint32Array(channels * RECORD_WORDS);
    for (let c = 0; c < channels; ++c) initial[c * RECORD_WORDS + 5] = 0xffffffff; // min_key: none yet
    device.queue.writeBuffer(this.records, 0, initial);
    this.units = device.createBuffer({ size: Math.max(16, channels * words * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(this.units, 0, new Uint32Array(Math.max(4, channels * words)));
    this.shapes = new Map(); // batch -> its uniform buffer
  }

  shapeBuffer(batch) {
    let buffer = this.shapes.get(batch);
    if (!buffer) {
      const { zero, lower, upper } = this.region;
      buffer = this.gpu.device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      this.gpu.device.queue.writeBuffer(buffer, 0, new Uint32Array([this.channels, this.positions, batch, zero ? 1 : 0,
        Number.isFinite(lower) ? 1 : 0, Number.isFinite(lower) ? orderKey(lower) : 0,
        Number.isFinite(upper) ? 1 : 0, Number.isFinite(upper) ? orderKey(upper) : 0]));
      this.shapes.set(batch, buffer);
    }
    return buffer;
  }

  bind(pipeline, values, batch) {
    const entries = [{ binding: 0, resource: { buffer: this.shapeBuffer(batch) } }];
    if (values) entries.push({ binding: 1, resource: { buffer: values } });
    entries.push({ binding: 2, resource: { buffer: this.records } }, { binding: 3, resource: { buffer: this.units } });
    return this.gpu.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  }

  // values: [batch, channels, positions] float32, a GPUBuffer or a Float32Array. Resolves once the
  // work is submitted and validated; throws what storage() and checked() throw.
  async add(values, batch = 1) {
    const owned = [];
    const buffer = this.gpu.storage(values, batch * this.channels * this.positions, "channelStats.add", owned);
    try {
      await checked(this.gpu.device, "channelStats.add", () => {
        const encoder = this.gpu.device.createCommandEncoder({ label: "channel_stats" });
        const pass = encoder.beginComputePass();
        const pipeline = this.gpu.statsPipelines.accumulate;
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, this.bind(pipeline, buffer, batch));
        pass.dispatchWorkgroups(...channelGroups(this.channels));
        pass.end();
        this.gpu.device.queue.submit([encoder.finish()]);
      });
    } finally {
      for (const b of owned) b.destroy(); // after submit: the queued work still reads it
    }
  }

  // -> {channels: [record per channel], bytesRead}
  async read() {
    const device = this.gpu.device;
    const size = this.channels * RECORD_WORDS * 4;
    const readback = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    let bytes;
    try {
      await checked(device, "channelStats.read", () => {
        const encoder = device.createCommandEncoder({ label: "channel_stats read" });
        const pass = encoder.beginComputePass();
        const pipeline = this.gpu.statsPipelines.count_dead_units;
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, this.bind(pipeline, null, 1));
        pass.dispatchWorkgroups(...channelGroups(this.channels));
        pass.end();
        encoder.copyBufferToBuffer(this.records, 0, readback, 0, size);
        device.queue.submit([encoder.finish()]);
      });
      await readback.mapAsync(GPUMapMode.READ);
      bytes = readback.getMappedRange().slice(0);
      readback.unmap();
    } finally {
      readback.destroy();
    }
    const u = new Uint32Array(bytes);
    const f = new Float32Array(bytes);
    const channels = [];
    for (let c = 0; c < this.channels; ++c) {
      const o = c * RECORD_WORDS;
      const finite = u[o + 8];
      const mean = finite > 0 ? f[o + 9] : 0;
      const m2 = finite > 0 ? Math.max(0, f[o + 10]) : 0;
      channels.push({ values: u[o], zeros: u[o + 1], positives: u[o + 2], nans: u[o + 3], infs: u[o + 4], finite,
        min: finite > 0 ? keyToFloat(u[o + 5]) : 0, max: finite > 0 ? keyToFloat(u[o + 6]) : 0, deadUnits: u[o + 7],
        inactive: u[o + 11],
        mean, sum: mean * finite, sumSquares: m2 + finite * mean * mean, std: finite > 0 ? Math.sqrt(m2 / finite) : 0 });
    }
    return { channels, bytesRead: size };
  }

  destroy() {
    this.records.destroy();
    this.units.destroy();
    for (const b of this.shapes.values()) b.destroy();
  }
}
