// The one place that talks to an ONNX Runtime Web module: sessions keyed by the ids C++ hands out,
// runs that feed one input and return the outputs C++ asked for as plain Float32Arrays. What to feed
// and read is C++'s choice (core/'s detector_interface.h), passed as a feed:
//   { input: "image", dims: [1, 3, H, W], half: false, outputs: ["heatmap", "wh", "wh_pre"] }
// half: the input is float16 (its Uint16Array holds the bit patterns). float16 outputs come back
// as their bit patterns too ({half: true}); C++ converts both ways (core/float16.h).
// The Scan view's WebGPU runs may also ask for some outputs to be reduced where they are, on the GPU
// (feed.accumulate, see run()): those come back as {accumulated: true}, and their per-channel
// counts over every image later from readTotals(). The Detect view's WebGPU runs may ask for the
// decode and the box map's statistics to be done on the GPU (feed.decode, see decodeOnGpu()): then
// only the boxes and counters come back, and the maps stay on the GPU until readKept() or dropKept().
// Used twice, with the same code: inside web/ort_worker.js for the wasm back-end, and on the page for
// WebGPU (see ort_bridge.js).

export function configureOrt(ort, baseUrl) {
  ort.env.wasm.wasmPaths = new URL("../ort/", baseUrl).href;
  // ORT's default is half the cores (1 on a 2-core machine). Threads need cross-origin isolation.
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  ort.env.logLevel = "error";
}

// An output's data as an array that owns its whole buffer (the worker transfers that buffer to the
// page). ORT Web's wasm back-end already returns a fresh array per output, so that one is kept as
// it is; anything else (a view into a larger or shared buffer) is copied.
function owningArray(data) {
  const whole = data.byteOffset === 0 && data.buffer.byteLength === data.byteLength &&
    !(typeof SharedArrayBuffer !== "undefined" && data.buffer instanceof SharedArrayBuffer);
  return whole ? data : new data.constructor(data);
}

// A float16 output's bit patterns as a Uint16Array: ORT Web gives a Uint16Array, or a Float16Array
// where the browser has one (reinterpreted, not converted).
function halfBits(data) {
  return data instanceof Uint16Array ? data : new Uint16Array(data.buffer, data.byteOffset, data.length);
}

// The product of dims from `from` on (1 for none).
const product = (dims, from) => dims.slice(from).reduce((a, b) => a * b, 1);

export function createRunner(ort) {
  const sessions = new Map();
  // Per session: layer index -> {stats (gpu_postprocess.js), channels, positions, images}.
  const totals = new Map();
  // The WGSL post-processing on ORT's WebGPU device, made at its first use; null when it cannot be
  // (outputs are then read back as usual).
  let postprocess = null;
  const postprocessor = () => {
    postprocess ??= (async () => {
      try {
        const { GpuPostprocess } = await import("./gpu_postprocess.js");
        return await GpuPostprocess.create(await ort.env.webgpu.device, new URL("../shaders/", import.meta.url));
      } catch (e) {
        console.warn("[deadzone] GPU post-processing unavailable, outputs are read back: " + ((e && e.message) || e));
        return null;
      }
    })();
    return postprocess;
  };
  // Maps left on the GPU by decodeOnGpu(): handle -> {session, tensors: {name: ORT tensor}}.
  const kept = new Map();
  const dropKept = (handle) => {
    for (const t of Object.values(kept.get(handle)?.tensors || {})) t.dispose?.();
    kept.delete(handle);
  };
  const dropTotals = (id) => {
    for (const t of (totals.get(id) || new Map()).values()) t.stats.destroy();
    totals.delete(id);
  };

  // Adds a float32 output left on the GPU to its layer's counts; false (nothing done) when it is
  // larger than one GPU binding, so that it is read back instead. Its shape is [N, C, spatial...]
  // (N images, C channels) or, below rank 2, one channel: core's LayerAccumulator reads it the same way.
  async function accumulate(gpu, id, layer, tensor) {
    const dims = tensor.dims.map(Number);
    if (product(dims, 0) * 4 > gpu.maxBindingBytes) return false;
    const batch = dims.length >= 2 ? dims[0] : 1, channels = dims.length >= 2 ? dims[1] : 1;
    const positions = product(dims, dims.length >= 2 ? 2 : 0);
    if (!totals.has(id)) totals.set(id, new Map());
    const layers = totals.get(id);
    let t = layers.get(layer.layer);
    if (t && (t.channels !== channels || t.positions !== positions))
      throw new Error(`${layer.name}: the output's shape changed between images ([${t.dims}] then [${dims}]); scan images at one input size`);
    if (!t) {
      const region = { zero: layer.zero, lower: layer.lower ?? -Infinity, upper: layer.upper ?? Infinity };
      t = { stats: gpu.channelStats(channels, positions, region), channels, positions, dims, images: 0 };
      layers.set(layer.layer, t);
    }
    await t.stats.add(tensor.gpuBuffer, batch);
    t.images += batch;
    return true;
  }

  // feed.decode = {heatmap, wh, wh_pre (names; wh_pre "" for none), params: {stride, topK,
  // scoreThreshold}, letterbox: {padLeft, padTop, scale, sourceWidth, sourceHeight}, keep: handle}:
  // decodes the TTFNet maps where ORT left them (shaders/decode.wgsl) and takes the per-channel
  // statistics of wh and wh_pre (shaders/channel_stats.wgsl); the maps are kept under `handle`.
  // -> {decoded: gpu_postprocess.js's decode() result, stats: {wh: [record], wh_pre: [record] | null},
  //     dims: [C, H, W]}, or null when the outputs are not float32 [1,C,H,W] maps on the GPU (they are
  // then read back as usual). GPU errors are thrown.
  async function decodeOnGpu(gpu, id, result, decode) {
    const hm = result[decode.heatmap], wh = result[decode.wh], pre = decode.wh_pre ? result[decode.wh_pre] : null;
    const onGpu = (t) => t && t.location === "gpu-buffer" && t.type === "float32" && t.dims.length === 4 && Number(t.dims[0]) === 1;
    if (!onGpu(hm) || !onGpu(wh) || (decode.wh_pre && !onGpu(pre))) return null;
    const [, channels, height, width] = hm.dims.map(Number);
    const sameGrid = (t) => Number(t.dims[1]) === 4 && Number(t.dims[2]) === height && Number(t.dims[3]) === width;
    if (!sameGrid(wh) || (pre && !sameGrid(pre))) return null; // accept_run_result names the shapes
    const decoded = await gpu.decode({ heatmap: hm.gpuBuffer, wh: wh.gpuBuffer, channels, height, width }, decode.params, decode.letterbox);
    const statsOf = async (t) => {
      const acc = gpu.channelStats(4, height * width);
      try {
        await acc.add(t.gpuBuffer, 1);
        return (await acc.read()).channels;
      } finally {
        acc.destroy();
      }
    };
    const stats = { wh: await statsOf(wh), wh_pre: pre ? await statsOf(pre) : null };
    const tensors = { [decode.heatmap]: hm, [decode.wh]: wh };
    if (pre) tensors[decode.wh_pre] = pre;
    dropKept(decode.keep);
    kept.set(decode.keep, { session: id, tensors });
    return { decoded, stats, dims: [channels, height, width] };
  }

  // A float32 or float16 tensor's values as run() hands them over.
  async function readBack(name, t) {
    if (t.type !== "float32" && t.type !== "float16") throw new Error(`output '${name}' is ${t.type}, not float32 or float16`);
    const data = await t.getData();
    const half = t.type === "float16";
    return { data: owningArray(half ? halfBits(data) : data), dims: t.dims.map(Number), half };
  }

  return {
    // externalData: [{path, data: Uint8Array}] for a model whose weights live outside the .onnx
    // (path as the model names it). outputsOnGpu (WebGPU only): outputs stay on the GPU until read,
    // so that run() can reduce them there.
    async createSession(id, bytes, backend, externalData = [], outputsOnGpu = false) {
      if (backend === "webgpu" && !navigator.gpu) throw new Error("this browser has no WebGPU");
      const options = { executionProviders: [backend], graphOptimizationLevel: "all" };
      if (externalData.length > 0) options.externalData = externalData;
      if (outputsOnGpu && backend === "webgpu") options.preferredOutputLocation = "gpu-buffer";
      const session = await ort.InferenceSession.create(bytes, options);
      sessions.set(id, session);
      return { backend, inputNames: session.inputNames, outputNames: session.outputNames,
               threads: ort.env.wasm.numThreads, isolated: self.crossOriginIsolated };
    },

    // -> { outputs: {name: {data: Float32Array, dims}} for each of feed.outputs, ms }, or with
    // feed.decode done on the GPU (see decodeOnGpu) { gpu: {decoded, stats, dims}, outputs: {}, ms }
    // feed.accumulate: [{layer, name, zero, lower, upper}]: outputs to add to their layer's counts on
    // the GPU when they are float32 and on it (an InactiveRegion per layer, null for no bound); each
    // such output comes back as {accumulated: true}. Others are read back as usual.
    async run(id, input, feed) {
      const session = sessions.get(id);
      if (!session) throw new Error(`no session ${id}`);
      const t0 = performance.now();
      const tensor = new ort.Tensor(feed.half ? "float16" : "float32", input, feed.dims);
      const result = await session.run({ [feed.input]: tensor }, feed.outputs);
      const outputs = {};
      const gpu = feed.accumulate?.length || feed.decode ? await postprocessor() : null;
      const keptNow = new Set();
      try {
        if (gpu && feed.decode) {
          // A GPU failure here costs the user nothing: the maps are still there to read back.
          const done = await decodeOnGpu(gpu, id, result, feed.decode).catch((e) => {
            console.warn("[deadzone] decode on the GPU failed, the maps are read back: " + ((e && e.message) || e));
            return null;
          });
          if (done) {
            for (const t of Object.values(kept.get(feed.decode.keep).tensors)) keptNow.add(t);
            return { gpu: done, outputs, ms: performance.now() - t0 };
          }
        }
        for (const name of feed.outputs) {
          const t = result[name];
          if (!t) throw new Error(`the model has no output '${name}'`);
          const layer = gpu && t.location === "gpu-buffer" && t.type === "float32" ? feed.accumulate?.find((a) => a.name === name) : null;
          // Submitted to the GPU queue before the tensor is released below.
          if (layer && await accumulate(gpu, id, layer, t)) {
            outputs[name] = { accumulated: true };
            continue;
          }
          outputs[name] = await readBack(name, t);
        }
      } finally {
        for (const t of Object.values(result)) if (!keptNow.has(t)) t.dispose?.();
      }
      return { outputs, ms: performance.now() - t0 };
    },

    // The counts run() gathered on the GPU for session `id`, read back once, then dropped:
    // -> [{layer, dims, images, channels: [gpu_postprocess.js record per channel]}]
    async readTotals(id) {
      const layers = totals.get(id) || new Map();
      const out = [];
      try {
        for (const [layer, t] of layers) out.push({ layer, dims: t.dims, images: t.images, channels: (await t.stats.read()).channels });
      } finally {
        dropTotals(id);
      }
      return out;
    },

    // The maps decodeOnGpu() kept under `handle`, read back and let go:
    // -> { outputs: {name: {data, dims, half}}, ms }. Throws when they are gone (dropped, or their
    // session released).
    async readKept(handle) {
      const entry = kept.get(handle);
      if (!entry) throw new Error("the maps are no longer on the GPU");
      const t0 = performance.now();
      const outputs = {};
      try {
        for (const [name, t] of Object.entries(entry.tensors)) outputs[name] = await readBack(name, t);
      } finally {
        dropKept(handle);
      }
      return { outputs, ms: performance.now() - t0 };
    },

    dropKept,

    release(id) {
      dropTotals(id);
      for (const [handle, entry] of kept) if (entry.session === id) dropKept(handle);
      const session = sessions.get(id);
      sessions.delete(id);
      if (session) session.release().catch(() => {});
    },
  };
}
