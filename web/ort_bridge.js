// ONNX Runtime Web, as the C++ app sees it (wasm/ort_session.cpp calls these through EM_JS).
// Tensors cross the wasm heap as plain copies.
//
//   dzOrt.createSession(id, bytes, backend)  -> Promise<{ backend, inputNames, outputNames }>
//   dzOrt.inputBuffer(count)                 -> a (reused) Float32Array for run()'s input
//   dzOrt.createSession(id, bytes, backend, externalData) (externalData: see ort_runner.js)
//   dzOrt.run(id, input, feed)               -> Promise<{ outputs: {name: {data, dims}}, ms, round_trip_ms }>
//                                               (feed: see ort_runner.js)
//   dzOrt.readTotals(id)                    -> Promise<[{layer, dims, images, channels}]> (see ort_runner.js)
//   dzOrt.readKept(handle), dropKept(handle) the maps a run's feed.decode left on the GPU (ort_runner.js)
//   dzOrt.release(id)
//   dzOrt.worker                             true while wasm sessions run in web/ort_worker.js
//
// The wasm back-end runs in a worker so the page stays responsive during a run; WebGPU runs here
// (its work is on the GPU and its calls are already asynchronous). If the worker cannot start,
// wasm falls back to this thread too. Served locally from node_modules/onnxruntime-web/dist (the
// /ort/ route), never from a CDN.
import * as ort from "../ort/ort.min.mjs";
import { configureOrt, createRunner } from "./ort_runner.js";

configureOrt(ort, import.meta.url);
const local = createRunner(ort);

// A promise-per-message front for the worker; null when it could not start or has failed.
function startWorker() {
  let worker;
  try {
    worker = new Worker(new URL("./ort_worker.js", import.meta.url), { type: "module" });
  } catch (e) {
    console.warn("[deadzone] ORT worker unavailable, wasm runs on the page: " + e);
    return null;
  }
  const pending = new Map();
  let seq = 0;
  const front = {
    alive: true,
    call(message, transfer = []) {
      if (!front.alive) return Promise.reject(new Error("the ONNX Runtime worker stopped"));
      return new Promise((resolve, reject) => {
        message.seq = ++seq;
        pending.set(message.seq, { resolve, reject });
        worker.postMessage(message, transfer);
      });
    },
    post(message) { if (front.alive) worker.postMessage(message); },
  };
  worker.onmessage = ({ data }) => {
    const p = pending.get(data.seq);
    pending.delete(data.seq);
    if (p) data.error !== undefined ? p.reject(new Error(data.error)) : p.resolve(data.value);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    front.alive = false;
    for (const p of pending.values()) p.reject(new Error("the ONNX Runtime worker failed: " + (e.message || "error")));
    pending.clear();
  };
  return front;
}

const worker = startWorker();
const where = new Map(); // session id -> "worker" | "page"

// Model inputs are a few MB; a fresh Float32Array per run cost 2-3 ms here (new memory is mapped
// and zeroed), as much as the whole letterbox. So input buffers are reused: the worker hands each
// one back with its result.
const spareInputs = [];
// (float16 inputs are made fresh each run: they are rare, and a different array type.)
const returnInput = (buffer) => { if (buffer instanceof Float32Array && spareInputs.length < 2) spareInputs.push(buffer); };

export const dzOrt = {
  ort,
  version: ort.env.versions ? ort.env.versions.web : "",
  get worker() { return !!(worker && worker.alive); },

  async createSession(id, bytes, backend, externalData = [], outputsOnGpu = false) {
    if (backend === "wasm" && worker && worker.alive) {
      const info = await worker.call({ op: "create", id, bytes, backend, externalData },
        [bytes.buffer, ...externalData.map((f) => f.data.buffer)]);
      where.set(id, "worker");
      return info;
    }
    const info = await local.createSession(id, bytes, backend, externalData, outputsOnGpu);
    where.set(id, "page");
    return info;
  },

  // A Float32Array of `count` values to fill and pass to run(), which takes it over.
  inputBuffer(count) {
    const i = spareInputs.findIndex((b) => b.length === count);
    return i >= 0 ? spareInputs.splice(i, 1)[0] : new Float32Array(count);
  },

  // ms: the run itself; round_trip_ms: as seen from this thread (adds the worker's messaging).
  async run(id, input, feed) {
    const t0 = performance.now();
    let r;
    if (where.get(id) === "worker") {
      r = await worker.call({ op: "run", id, input, feed }, [input.buffer]);
      returnInput(r.input);
      delete r.input;
    } else {
      try {
        r = await local.run(id, input, feed);
      } finally {
        returnInput(input);
      }
    }
    r.round_trip_ms = performance.now() - t0;
    return r;
  },

  // Counts gathered on the GPU by run()'s feed.accumulate (ort_runner.js); none for a worker's
  // (wasm) session.
  async readTotals(id) {
    return where.get(id) === "worker" ? [] : local.readTotals(id);
  },

  // The maps a WebGPU run's feed.decode kept on the GPU (ort_runner.js); WebGPU sessions run on the page.
  readKept(handle) {
    return local.readKept(handle);
  },
  dropKept(handle) {
    local.dropKept(handle);
  },

  release(id) {
    if (where.get(id) === "worker") worker.post({ op: "release", id });
    else local.release(id);
    where.delete(id);
  },
};

globalThis.dzOrt = dzOrt;
