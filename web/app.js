// Loads the DeadZone wasm module into the page and exposes a small hook for tests and tools:
//
//   window.deadzone.ready      true once the app runs and has drawn a frame
//   window.deadzone.error      a message when loading failed (also shown on the page)
//   window.deadzone.state()    the C++ app state as a parsed JSON object
//   window.deadzone.call(name, returnType, argTypes, args)   ccall into the app's test setters
//   window.deadzone.modelInput()   a copy of the last model input the app letterboxed (Float32Array;
//                                  the bench feeds bare ORT exactly what the app fed it)
//
// ONNX Runtime Web is loaded first (web/ort_bridge.js); if it cannot load, the app still starts
// and says so when a model is used.
// Everything visible is drawn by the C++ app; this file only boots it and reports failures the
// app cannot draw itself (a missing or broken wasm file, no WebGL2, no wasm SIMD).
/* global createDeadZone */ // defined by app/deadzone.js, Emscripten's loader, once loadScript() has run it

const statusBox = document.getElementById("status");
const statusText = document.getElementById("status-text");
const statusProgress = document.getElementById("status-progress");

const hook = { ready: false, error: null, state: () => null, call: () => null };
window.deadzone = hook;

function showError(message) {
  if (hook.error) return; // keep the first, most specific message
  hook.error = message;
  statusText.textContent = "DeadZone could not start: " + message;
  statusBox.className = "error";
  console.error("[deadzone] " + message);
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src} (was the explorer built?)`));
    document.head.appendChild(script);
  });
}

async function boot() {
  const canvas = document.getElementById("canvas");
  // Probe on a throw-away canvas: the real one must be left for SDL to create its context on.
  if (!document.createElement("canvas").getContext("webgl2")) {
    showError("this browser has no WebGL2");
    return;
  }
  // The app is built with wasm SIMD (-msimd128): without it the module would not even compile.
  // The bytes are a minimal module using one SIMD instruction.
  const simdModule = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
  if (!WebAssembly.validate(simdModule)) {
    showError("this browser has no WebAssembly SIMD (Chrome/Edge 91+, Firefox 89+, Safari 16.4+ have it)");
    return;
  }
  try {
    await import("./ort_bridge.js");
  } catch (e) {
    console.warn("[deadzone] ONNX Runtime Web did not load: " + (e && e.message ? e.message : e));
  }
  // Before SDL creates the app's context on it: the canvas keeps its pixels between frames, so the
  // app can redraw only what changed (see preserve_canvas.js), and the ImGui back-end's per-frame
  // state queries are answered without a GPU round trip (see webgl_state_shadow.js).
  try {
    (await import("./preserve_canvas.js")).preserveCanvasPixels(canvas);
  } catch (e) {
    console.warn("[deadzone] canvas not preserved between frames (every frame is drawn whole): " + (e && e.message ? e.message : e));
  }
  try {
    (await import("./webgl_state_shadow.js")).shadowCanvasContexts(canvas);
  } catch (e) {
    console.warn("[deadzone] WebGL state shadow not installed (frames will be slower): " + (e && e.message ? e.message : e));
  }
  await loadScript("app/deadzone.js");
  // The URL's query becomes the app's arguments: ?first-sample=none -> --first-sample=none.
  const args = [...new URLSearchParams(location.search)].map(([k, v]) => (v ? `--${k}=${v}` : `--${k}`));
  const module = await createDeadZone({
    canvas,
    arguments: args,
    print: (text) => console.log(text),
    printErr: (text) => console.warn(text),
    setStatus: (text) => {
      // Emscripten reports download progress as "Downloading data... (x/y)".
      const m = text.match(/\((\d+(\.\d+)?)\/(\d+)\)/);
      if (m) statusProgress.style.width = `${(100 * m[1]) / m[3]}%`;
    },
    onAbort: (what) => showError(`the wasm module aborted (${what})`),
    locateFile: (path) => "app/" + path,
  });
  hook.state = () => JSON.parse(module.ccall("dz_state_json", "string", [], []));
  hook.call = (name, returnType, argTypes, args) => module.ccall(name, returnType, argTypes, args);
  hook.modelInput = () => {
    const p = module.ccall("dz_model_input_data", "number", [], []) >> 2;
    return module.HEAPF32.slice(p, p + module.ccall("dz_model_input_size", "number", [], []));
  };
  const waitForFirstFrame = () => {
    if (hook.error) return;
    if (hook.state().frame > 0) {
      statusBox.className = "hidden";
      hook.ready = true;
    } else {
      requestAnimationFrame(waitForFirstFrame);
    }
  };
  waitForFirstFrame();
}

boot().catch((e) => showError(e && e.message ? e.message : String(e)));
