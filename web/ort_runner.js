// The one place that talks to an ONNX Runtime Web module: sessions keyed by the ids C++ hands out,
// runs that feed one input and return the outputs C++ asked for as plain Float32Arrays. What to feed
// and read is C++'s choice (core/'s detector_interface.h), passed as a feed:
//   { input: "image", dims: [1, 3, H, W], half: false, outputs: ["heatmap", "wh", "wh_pre"] }
// half: the input is float16 (its Uint16Array holds the bit patterns). float16 outputs come back
// as their bit patterns too ({half: true}); C++ converts both ways (core/float16.h).
// The Scan view's WebGPU runs may also ask for some outputs to be reduced where they are, on the GPU
// (feed.accumulate, see run()): those come back as {accumulated: true}, and their per-channel
// counts over every image later from readTotals(). Used twice, with the same
// code: inside web/ort_worker.js for the wasm back-end, and on the page for WebGPU (see ort_bridge.js).

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

    // -> { outputs: {name: {data: Float32Array, dims}} for each of feed.outputs, ms }
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
      const gpu = feed.accumulate?.length ? await postprocessor() : null;
      try {
        for (const name of feed.outputs) {
          const t = result[name];
          if (!t) throw new Error(`the model has no output '${name}'`);
          const layer = gpu && t.location === "gpu-buffer" && t.type === "float32" ? feed.accumulate.find((a) => a.name === name) : null;
          // Submitted to the GPU queue before the tensor is released below.
          if (layer && await accumulate(gpu, id, layer, t)) {
            outputs[name] = { accumulated: true };
            continue;
          }
          if (t.type !== "float32" && t.type !== "float16") throw new Error(`output '${name}' is ${t.type}, not float32 or float16`);
          const data = await t.getData();
          const half = t.type === "float16";
          outputs[name] = { data: owningArray(half ? halfBits(data) : data), dims: t.dims.map(Number), half };
        }
      } finally {
        for (const t of Object.values(result)) t.dispose?.();
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

    release(id) {
      dropTotals(id);
      const session = sessions.get(id);
      sessions.delete(id);
      if (session) session.release().catch(() => {});
    },
  };
}
