// ONNX Runtime Web's wasm back-end, off the page's main thread. ORT's wasm session.run is a
// synchronous call into wasm: on the main thread it would stop the frame loop (and every click)
// for the whole run. Here the page keeps drawing while the model runs.
//
// Messages in:  {seq, op: "create", id, bytes, backend, externalData} | {seq, op: "run", id, input, feed} | {op: "release", id}
// Messages out: {seq, value} or {seq, error}; run results transfer their buffers, the input's too.
import * as ort from "../ort/ort.min.mjs";
import { configureOrt, createRunner } from "./ort_runner.js";

configureOrt(ort, import.meta.url);
const runner = createRunner(ort);

self.onmessage = async ({ data: m }) => {
  if (m.op === "release") {
    runner.release(m.id);
    return;
  }
  try {
    if (m.op === "create") {
      self.postMessage({ seq: m.seq, value: await runner.createSession(m.id, m.bytes, m.backend, m.externalData || []) });
    } else if (m.op === "run") {
      const value = await runner.run(m.id, m.input, m.feed);
      value.input = m.input; // back to the page for the next run (see inputBuffer in ort_bridge.js)
      self.postMessage({ seq: m.seq, value }, [m.input.buffer, ...Object.values(value.outputs).map((o) => o.data.buffer)]);
    } else {
      throw new Error(`unknown op ${m.op}`);
    }
  } catch (e) {
    self.postMessage({ seq: m.seq, error: String((e && e.message) || e) });
  }
};
