// The one place that talks to an ONNX Runtime Web module: sessions keyed by the ids C++ hands out,
// runs that feed one input and return the outputs C++ asked for as plain Float32Arrays. What to feed
// and read is C++'s choice (core/'s detector_interface.h), passed as a feed:
//   { input: "image", dims: [1, 3, H, W], half: false, outputs: ["heatmap", "wh", "wh_pre"] }
// half: the input is float16 (its Uint16Array holds the bit patterns). float16 outputs come back
// as their bit patterns too ({half: true}); C++ converts both ways (core/float16.h). Used twice, with the same
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

export function createRunner(ort) {
  const sessions = new Map();
  return {
    // externalData: [{path, data: Uint8Array}] for a model whose weights live outside the .onnx
    // (path as the model names it).
    async createSession(id, bytes, backend, externalData = []) {
      if (backend === "webgpu" && !navigator.gpu) throw new Error("this browser has no WebGPU");
      const options = { executionProviders: [backend], graphOptimizationLevel: "all" };
      if (externalData.length > 0) options.externalData = externalData;
      const session = await ort.InferenceSession.create(bytes, options);
      sessions.set(id, session);
      return { backend, inputNames: session.inputNames, outputNames: session.outputNames,
               threads: ort.env.wasm.numThreads, isolated: self.crossOriginIsolated };
    },

    // -> { outputs: {name: {data: Float32Array, dims}} for each of feed.outputs, ms }
    async run(id, input, feed) {
      const session = sessions.get(id);
      if (!session) throw new Error(`no session ${id}`);
      const t0 = performance.now();
      const tensor = new ort.Tensor(feed.half ? "float16" : "float32", input, feed.dims);
      const result = await session.run({ [feed.input]: tensor }, feed.outputs);
      const outputs = {};
      try {
        for (const name of feed.outputs) {
          const t = result[name];
          if (!t) throw new Error(`the model has no output '${name}'`);
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

    release(id) {
      const session = sessions.get(id);
      sessions.delete(id);
      if (session) session.release().catch(() => {});
    },
  };
}
