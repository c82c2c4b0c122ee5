// ONNX Runtime Web, as the C++ app sees it (wasm/ort_session.cpp calls these through EM_JS).
// Sessions live here, keyed by the ids C++ hands out; tensors cross the wasm heap as plain copies.
//
//   dzOrt.createSession(id, bytes, backend)  -> Promise<{ backend, inputNames, outputNames }>
//   dzOrt.run(id, input, size)               -> Promise<{ outputs: {name: {data, dims}}, ms }>
//   dzOrt.release(id)
//
// Served locally from node_modules/onnxruntime-web/dist (the /ort/ route), never from a CDN.
import * as ort from "../ort/ort.min.mjs";

ort.env.wasm.wasmPaths = new URL("../ort/", import.meta.url).href;
// ORT's default is half the cores (1 on a 2-core machine). Threads need cross-origin isolation.
ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
ort.env.logLevel = "error";

const sessions = new Map();

export const dzOrt = {
  ort,
  version: ort.env.versions ? ort.env.versions.web : "",

  async createSession(id, bytes, backend) {
    if (backend === "webgpu" && !navigator.gpu) throw new Error("this browser has no WebGPU");
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: [backend],
      graphOptimizationLevel: "all",
    });
    sessions.set(id, session);
    return { backend, inputNames: session.inputNames, outputNames: session.outputNames };
  },

  async run(id, input, size) {
    const session = sessions.get(id);
    if (!session) throw new Error(`no session ${id}`);
    const t0 = performance.now();
    const result = await session.run({ image: new ort.Tensor("float32", input, [1, 3, size, size]) });
    const outputs = {};
    for (const name of ["heatmap", "wh", "wh_pre"]) {
      const t = result[name];
      if (!t) throw new Error(`the model has no output '${name}'`);
      if (t.type !== "float32") throw new Error(`output '${name}' is ${t.type}, not float32`);
      outputs[name] = { data: await t.getData(), dims: t.dims.map(Number) };
    }
    for (const t of Object.values(result)) t.dispose?.();
    return { outputs, ms: performance.now() - t0 };
  },

  release(id) {
    const session = sessions.get(id);
    sessions.delete(id);
    if (session) session.release().catch(() => {});
  },
};

globalThis.dzOrt = dzOrt;
