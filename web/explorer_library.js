// The explorer's calls from C++ into the browser, as an Emscripten JS library (linked with
// --js-library; declared for C++ in wasm/js_bindings.h). Each function runs inside the module, so it
// can use ccall, _malloc/_free and the HEAP views; answers that take time come back through the
// dz_on_* functions the C++ side exports (EMSCRIPTEN_KEEPALIVE).
//
// Kept as a real JS file (not EM_JS strings in C++) so that linters, editors and tests see it.
/* global mergeInto, LibraryManager, ccall, _malloc, _free, HEAPU8, HEAPU16, HEAPF32, HEAPF64, UTF8ToString, lengthBytesUTF8,
   stringToUTF8, dzCallWithBytes, dzStreamPieces */

mergeInto(LibraryManager.library, {
  // The page owns the layout: the canvas fills the window, so follow the window's CSS size.
  // int dz_js_window_width() [wasm/main.cpp]
  dz_js_window_width: function() {
    return window.innerWidth;
  },

  // int dz_js_window_height() [wasm/main.cpp]
  dz_js_window_height: function() {
    return window.innerHeight;
  },

  // The helpers the other functions share, installed once on globalThis: dzStreamPieces and
  // dzCallWithBytes.
  // void dz_js_install_helpers() [wasm/file_drop.cpp]
  dz_js_install_helpers: function() {
    // Reads a ReadableStream of telemetry bytes and hands it to onPiece(bytes, finished) in pieces of
    // at least 1 MB (fewer calls into C++, each parsing a useful amount), then the rest with
    // finished = true (an empty piece when the stream ends on a boundary). Gzip content (known from
    // its first bytes, whatever the name) comes in one final piece: it only decompresses whole.
    // A piece is gathered straight onto the wasm heap: one copy in all, the cheapest way found to
    // load a large file (bench/replay_bench.mjs; the README has what else was measured). onPiece
    // must hand the piece to C++ at once (dzCallWithBytes passes such a view as it is) and keep
    // nothing: the piece is freed when onPiece returns, and any allocation before the hand-over
    // could grow the heap and detach the view. Options: stopped() true cancels the read;
    // counted(n) is told every chunk's size.
    globalThis.dzStreamPieces = async (body, onPiece, { stopped = () => false, counted = () => {} } = {}) => {
      const reader = body.getReader();
      const batch = 1 << 20;
      let parts = [], size = 0, gzip = null;
      const flush = (finished) => {
        const p = _malloc(Math.max(1, size));
        if (!p) throw new Error("out of memory for " + size + " bytes");
        try {
          let at = p;
          for (const part of parts) { HEAPU8.set(part, at); at += part.byteLength; }
          const piece = HEAPU8.subarray(p, p + size);
          parts = [];
          size = 0;
          onPiece(piece, finished);
        } finally {
          _free(p);
        }
      };
      for (;;) {
        if (stopped()) { // closed or refused meanwhile: stop reading
          reader.cancel();
          return;
        }
        const { done, value } = await reader.read();
        if (done) break;
        if (gzip === null) gzip = value.byteLength >= 2 && value[0] === 0x1f && value[1] === 0x8b;
        parts.push(value);
        size += value.byteLength;
        counted(value.byteLength);
        if (size >= batch && !gzip) flush(false);
      }
      flush(true);
    };

    // Hands a run's four maps to C++ export `fn`(request_id, then per name in `names` (pointer,
    // count, half, d0..d3), then ms, round_trip_ms): r is ort_runner.js's run() result. A name ""
    // is passed as 0 values with dims 0. The heap copies are freed when the call returns.
    globalThis.dzHandMaps = (fn, request_id, names, r) => {
        const args = [request_id];
        const pointers = [];
        try {
            for (const name of names) {
                const t = name ? r.outputs[name] : { data: new Float32Array(0), dims: [0, 0, 0, 0] };
                if (!t) throw new Error(`no output '${name}'`);
                const d = t.dims.length === 4 ? t.dims : [0, 0, 0, 0];
                const p = _malloc(Math.max(4, t.data.length * (t.half ? 2 : 4)));
                if (!p) throw new Error(`out of memory for output '${name}'`);
                pointers.push(p);
                if (t.half) HEAPU16.set(t.data, p >> 1);
                else HEAPF32.set(t.data, p >> 2);
                args.push(p, t.data.length, t.half ? 1 : 0, d[0], d[1], d[2], d[3]);
            }
            args.push(r.ms, r.round_trip_ms);
            ccall(fn, null, new Array(args.length).fill("number"), args);
        } finally {
            for (const p of pointers) _free(p);
        }
    };

    // Calls C++ export `fn` with (pointer, length) of a heap copy of `buffer` followed by `rest`
    // (strings and numbers); the copy is freed when the call returns (C++ keeps its own). A buffer
    // that is already a view of the wasm heap is passed as it is.
    globalThis.dzCallWithBytes = (fn, buffer, restTypes, rest) => {
        const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
        // A view of a heap that has since grown would read as empty: refuse it rather than lose bytes.
        if (bytes.buffer.detached) throw new Error("a wasm heap view was used after the heap grew");
        if (bytes.buffer === HEAPU8.buffer) { // already on the heap (dzStreamPieces): no copy
          ccall(fn, null, ["number", "number", ...restTypes], [bytes.byteOffset, bytes.length, ...rest]);
          return;
        }
        const p = _malloc(Math.max(1, bytes.length));
        if (!p) throw new Error("out of memory for " + bytes.length + " bytes");
        try {
            HEAPU8.set(bytes, p);
            ccall(fn, null, ["number", "number", ...restTypes], [p, bytes.length, ...rest]);
        } finally {
            _free(p);
        }
    };
  },

  // void dz_js_install_file_drop() [wasm/file_drop.cpp]
  dz_js_install_file_drop: function() {
    // Hand one File to C++: bytes -> dz_on_file_dropped(bytes, size, name, t0).
    // A telemetry file streams in pieces to its run (parsed while the rest is read, never copied
    // whole onto the heap); anything else comes whole, and C++ decides what it is.
    const deliver = (file, t0) => {
      const run = ccall("dz_begin_dropped_file", "number", ["string", "number"], [file.name, file.size]);
      if (run > 0) {
        // Registered like a followed run, so that closing or refusing it (dz_js_stop_follow) stops the read.
        globalThis.dzFollows = globalThis.dzFollows || new Map();
        const follow = { stopped: false, timer: 0 };
        globalThis.dzFollows.set(run, follow);
        const toRun = (bytes, flags, error) => {
          if (follow.stopped) return;
          dzCallWithBytes("dz_on_telemetry_bytes", bytes, ["number", "number", "number", "string"], [run, flags, file.size, error]);
        };
        dzStreamPieces(file.stream(), (bytes, finished) => toRun(bytes, finished ? 1 : 0, ""), {
          stopped: () => follow.stopped,
        }).catch((e) => toRun(new Uint8Array(0), 1, String((e && e.message) || e)))
          .finally(() => globalThis.dzFollows.delete(run));
        return;
      }
      file.arrayBuffer().then((buffer) => {
        dzCallWithBytes("dz_on_file_dropped", buffer, ["string", "number"], [file.name, t0]);
      }).catch((e) => ccall("dz_on_file_error", null, ["string", "string"], [file.name, String(e)]));
    };
    const accept = (files, t0) => { for (const f of files) deliver(f, t0); };
    window.addEventListener("dragover", (e) => { e.preventDefault(); e.dataTransfer.dropEffect = "copy"; });
    window.addEventListener("drop", (e) => {
        e.preventDefault();
        const t0 = performance.now();
        if (e.dataTransfer && e.dataTransfer.files) accept(e.dataTransfer.files, t0);
    });
    // The Open button clicks this hidden input (allowed: it follows the user's click).
    const input = document.createElement("input");
    input.type = "file";
    input.multiple = true;
    input.accept = ".png,.jpg,.jpeg,.bmp,.gif,.webp,.onnx,.data,.txt,.jsonl,.ndjson,.gz,.json";
    input.style.display = "none";
    input.id = "dz-open-file";
    input.addEventListener("change", () => { accept(input.files, performance.now()); input.value = ""; });
    document.body.appendChild(input);
    // A press on an Open button opens the chooser here, inside the browser's pointerdown event:
    // browsers show it only with a user activation, which the press gives, and ImGui acts on the
    // click a frame later, when the activation may be gone (on the release it is already gone for a
    // quick click in Chromium).
    const canvas = document.getElementById("canvas");
    if (canvas) canvas.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || ccall("dz_file_dialog_button_at", "number", ["number", "number"], [e.offsetX, e.offsetY]) !== 1) return;
      globalThis.dzChooserOpenedAt = performance.now();
      input.click();
    });
  },

  // void dz_js_open_file_dialog() [wasm/file_drop.cpp]
  // The page opens the chooser itself when a click lands on an Open button (dz_js_install_file_drop),
  // so ImGui's own press of that button, a frame later, finds it already open.
  dz_js_open_file_dialog: function() {
    if (performance.now() - (globalThis.dzChooserOpenedAt || -Infinity) < 1000) return;
    const input = document.getElementById("dz-open-file");
    if (input) input.click();
  },

  // void dz_js_fetch_file(const char* url_c, int kind) [wasm/file_drop.cpp]; kind (a FetchKind) comes
  // back as it is.
  dz_js_fetch_file: function(url_c, kind) {
    const url = UTF8ToString(url_c);
    const t0 = performance.now();
    const report = (buffer, status) =>
        dzCallWithBytes("dz_on_fetched", buffer, ["number", "string", "string", "number"], [kind, url, status, t0]);
    fetch(url).then((r) => {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.arrayBuffer();
    }).then((buffer) => report(buffer, ""))
      .catch((e) => report(new ArrayBuffer(0), String((e && e.message) || e)));
  },

  // requestAdapter() is async and the ImGui frame loop must never block, so the probe runs as a
  // detached JS promise that reports back through dz_on_backend_probe().
  // void dz_js_start_backend_probe() [wasm/backend_probe.cpp]
  dz_js_start_backend_probe: function() {
    const report = {
        webgpu_api: !!(navigator.gpu),
        webgpu_adapter: false,
        webgpu_adapter_info: "",
        webgpu_software: false,
        webgpu_error: "",
        cross_origin_isolated: !!self.crossOriginIsolated,
        wasm_threads: false,
        wasm_simd: false,
        hardware_concurrency: navigator.hardwareConcurrency || 0,
    };
    try {
        // Threads need a SharedArrayBuffer, which browsers only expose when cross-origin isolated.
        report.wasm_threads = typeof SharedArrayBuffer !== "undefined" && !!self.crossOriginIsolated &&
            WebAssembly.validate(new Uint8Array([0,97,115,109,1,0,0,0,1,4,1,96,0,0,3,2,1,0,5,4,1,3,1,1,10,11,1,9,0,65,0,254,16,2,0,26,11]));
        // This module is itself built with SIMD (-msimd128), so it only runs where SIMD exists;
        // web/app.js checks that before loading it.
        report.wasm_simd = true;
    } catch (_e) {
        // WebAssembly.validate threw: neither is reported as available.
    }
    const finish = () => ccall("dz_on_backend_probe", null, ["string"], [JSON.stringify(report)]);
    if (!navigator.gpu) {
        report.webgpu_error = "navigator.gpu is missing";
        finish();
        return;
    }
    navigator.gpu.requestAdapter().then((adapter) => {
        if (!adapter) {
            report.webgpu_error = "requestAdapter() returned null";
            return;
        }
        report.webgpu_adapter = true;
        const info = adapter.info || {};
        report.webgpu_adapter_info = [info.vendor, info.architecture, info.description]
            .filter((s) => s).join(" / ") || "adapter without details";
        // A CPU implementation of WebGPU (the fallback adapter, or SwiftShader as headless Chromium
        // uses): GPU post-processing only costs time there.
        report.webgpu_software = !!(adapter.isFallbackAdapter || info.isFallbackAdapter) || /swiftshader/i.test(report.webgpu_adapter_info);
    }).catch((e) => {
        report.webgpu_error = "requestAdapter() failed: " + e;
    }).finally(finish);
  },

  // The browser's clipboard (SDL2's Emscripten port keeps copied text to itself). The click that
  // asked for it was at most a frame ago, so the page still has the user activation it needs.
  // void dz_js_copy_text(const char* text_c) [wasm/prediction_dump.cpp]
  dz_js_copy_text: function(text_c) {
    const report = (ok, why) => ccall("dz_on_text_copied", null, ["number", "string"], [ok, why]);
    if (!navigator.clipboard) { report(0, "this page has no clipboard access"); return; }
    navigator.clipboard.writeText(UTF8ToString(text_c)).then(() => report(1, ""), (e) => report(0, String(e)));
  },

  // Settings the browser keeps between visits (localStorage; nothing leaves the browser). A page
  // without storage (private mode, file://) just has no settings.
  // int dz_js_load_setting(const char* key, char* out, int capacity) [wasm/pipeline.cpp]
  dz_js_load_setting: function(key_c, out, capacity) {
    let value = null;
    try { value = globalThis.localStorage ? localStorage.getItem(UTF8ToString(key_c)) : null; } catch (e) { value = null; }
    if (value === null || lengthBytesUTF8(value) > capacity - 1) return -1;
    return stringToUTF8(value, out, capacity);
  },

  // void dz_js_store_setting(const char* key, const char* value) [wasm/pipeline.cpp]
  dz_js_store_setting: function(key_c, value_c) {
    try { if (globalThis.localStorage) localStorage.setItem(UTF8ToString(key_c), UTF8ToString(value_c)); } catch (e) { /* no storage */ }
  },

  // An external data file for the session `id` that dz_js_ort_create makes next (called before it).
  // void dz_js_ort_add_external(int id, const char* name_c, const unsigned char* ptr, int len) [wasm/ort_session.cpp]
  dz_js_ort_add_external: function(id, name_c, ptr, len) {
    globalThis.dzOrtExternal = globalThis.dzOrtExternal || new Map();
    if (!globalThis.dzOrtExternal.has(id)) globalThis.dzOrtExternal.set(id, []);
    globalThis.dzOrtExternal.get(id).push({ path: UTF8ToString(name_c), data: HEAPU8.slice(ptr, ptr + len) });
  },

  // outputs_on_gpu: WebGPU outputs stay on the GPU until read (the Scan view reduces them there).
  // void dz_js_ort_create(int id, const unsigned char* ptr, int len, const char* backend_c, int outputs_on_gpu)
  //   [wasm/ort_session.cpp]
  dz_js_ort_create: function(id, ptr, len, backend_c, outputs_on_gpu) {
    const bytes = HEAPU8.slice(ptr, ptr + len); // a copy: the heap may move before ORT reads it
    const external = (globalThis.dzOrtExternal && globalThis.dzOrtExternal.get(id)) || [];
    if (globalThis.dzOrtExternal) globalThis.dzOrtExternal.delete(id);
    const backend = UTF8ToString(backend_c);
    const report = (ok, message) =>
        ccall("dz_on_session_created", null, ["number", "number", "string"], [id, ok, message]);
    if (!globalThis.dzOrt) {
        setTimeout(() => report(0, "ONNX Runtime Web did not load"), 0);
        return;
    }
    globalThis.dzOrt.createSession(id, bytes, backend, external, !!outputs_on_gpu).then(
        () => report(1, ""),
        (e) => report(0, String((e && e.message) || e)));
  },

  // int dz_js_ort_in_worker() [wasm/ort_session.cpp]
  dz_js_ort_in_worker: function() {
    return globalThis.dzOrt && globalThis.dzOrt.worker ? 1 : 0;
  },

  // void dz_js_ort_release(int id) [wasm/ort_session.cpp]
  dz_js_ort_release: function(id) {
    if (globalThis.dzOrt) globalThis.dzOrt.release(id);
  },

  // Runs a session on the [1,3,height,width] input at ptr (float32, or float16 bit patterns when
  // half), feeding input_c and reading the outputs heatmap_c, wh_c, wh_pre_c and offset_c (CenterNet's
  // centre offset). wh_pre_c and offset_c are "" when the model has none: that output comes back as
  // 0 values with dims 0. The outputs go to dz_on_run_done as (pointer, count, half, dims) each.
  // decode_c: "" or the JSON of ort_runner.js's feed.decode (WebGPU): when the GPU decoded the maps,
  // the boxes, counters and statistics go to dz_on_run_decoded as JSON instead, the maps staying on
  // the GPU under feed.decode.keep (dz_js_ort_read_kept, dz_js_ort_drop_kept).
  // void dz_js_ort_run(int session_id, int request_id, const void* ptr, int count, int half, int width, int height,
  //                    const char* input_c, const char* heatmap_c, const char* wh_c, const char* wh_pre_c,
  //                    const char* offset_c, const char* decode_c) [wasm/ort_session.cpp]
  dz_js_ort_run: function(session_id, request_id, ptr, count, half, width, height, input_c, heatmap_c, wh_c, wh_pre_c, offset_c,
                          decode_c) {
    const fail = (e) => ccall("dz_on_run_failed", null, ["number", "string"], [request_id, String((e && e.message) || e)]);
    if (!globalThis.dzOrt) {
        setTimeout(() => fail("ONNX Runtime Web did not load"), 0);
        return;
    }
    const input = half ? HEAPU16.slice(ptr >> 1, (ptr >> 1) + count) : globalThis.dzOrt.inputBuffer(count);
    if (!half) input.set(HEAPF32.subarray(ptr >> 2, (ptr >> 2) + count));
    const names = [UTF8ToString(heatmap_c), UTF8ToString(wh_c), UTF8ToString(wh_pre_c), UTF8ToString(offset_c)];
    const decode = UTF8ToString(decode_c);
    const feed = { input: UTF8ToString(input_c), dims: [1, 3, height, width], half: !!half, outputs: names.filter((n) => n) };
    if (decode) feed.decode = JSON.parse(decode);
    globalThis.dzOrt.run(session_id, input, feed).then((r) => {
        if (r.gpu) {
            // Named fields, read by name in ort_session.cpp (records: gpu_postprocess.js's read()).
            // (No object spread here: Emscripten 3.1.6's optimiser rejects it.)
            const result = Object.assign({}, r.gpu, { ms: r.ms, round_trip_ms: r.round_trip_ms });
            globalThis.dzCallWithBytes("dz_on_run_decoded", new TextEncoder().encode(JSON.stringify(result)), ["number"], [request_id]);
            return;
        }
        globalThis.dzHandMaps("dz_on_run_done", request_id, names, r);
    }).catch((e) => { // a failed hand-over ends the run too: C++ holds ONNX Runtime busy until it ends
        if (feed.decode) globalThis.dzOrt.dropKept(feed.decode.keep); // nobody will ask for those maps now
        fail(e);
    });
  },

  // Reads back the maps a run's feed.decode kept on the GPU under `handle` and hands them to
  // dz_on_maps_read(request_id, ...) as dz_js_ort_run hands its outputs to dz_on_run_done (same
  // names and order), or dz_on_maps_failed(request_id, message).
  // void dz_js_ort_read_kept(int request_id, int handle, const char* heatmap_c, const char* wh_c, const char* wh_pre_c)
  //   [wasm/ort_session.cpp]
  dz_js_ort_read_kept: function(request_id, handle, heatmap_c, wh_c, wh_pre_c) {
    const fail = (e) => ccall("dz_on_maps_failed", null, ["number", "string"], [request_id, String((e && e.message) || e)]);
    if (!globalThis.dzOrt) {
        setTimeout(() => fail("ONNX Runtime Web did not load"), 0);
        return;
    }
    const names = [UTF8ToString(heatmap_c), UTF8ToString(wh_c), UTF8ToString(wh_pre_c), ""];
    globalThis.dzOrt.readKept(handle)
        .then((r) => globalThis.dzHandMaps("dz_on_maps_read", request_id, names, Object.assign(r, { round_trip_ms: r.ms })))
        .catch(fail);
  },

  // Lets go of the maps kept under `handle` (nothing when there are none).
  // void dz_js_ort_drop_kept(int handle) [wasm/ort_session.cpp]
  dz_js_ort_drop_kept: function(handle) {
    if (globalThis.dzOrt) globalThis.dzOrt.dropKept(handle);
  },

  // Runs a session on the [1,3,height,width] input at ptr (float32, or float16 bit patterns when
  // half) and hands every output named in names_c ('\n'-separated) to dz_on_output(request_id,
  // index, ptr, half, dims, rank) in that order, one at a time (each is copied onto the heap, passed,
  // and freed before the next), then calls dz_on_outputs_done(request_id, error). The Scan view's
  // activations: a group of them can be large, so no two are on the heap at once. accumulate_c: ""
  // or the JSON of ort_runner.js's feed.accumulate; an output reduced on the GPU is not handed over
  // (its counts come from dz_js_ort_read_totals).
  // void dz_js_ort_run_outputs(int session_id, int request_id, const void* ptr, int count, int half, int width,
  //                            int height, const char* input_c, const char* names_c, const char* accumulate_c)
  //   [wasm/ort_session.cpp]
  dz_js_ort_run_outputs: function(session_id, request_id, ptr, count, half, width, height, input_c, names_c, accumulate_c) {
    const done = (error) => ccall("dz_on_outputs_done", null, ["number", "string"], [request_id, error]);
    if (!globalThis.dzOrt) {
        setTimeout(() => done("ONNX Runtime Web did not load"), 0);
        return;
    }
    const input = half ? HEAPU16.slice(ptr >> 1, (ptr >> 1) + count) : globalThis.dzOrt.inputBuffer(count);
    if (!half) input.set(HEAPF32.subarray(ptr >> 2, (ptr >> 2) + count));
    const names = UTF8ToString(names_c).split("\n").filter((n) => n);
    const accumulate = UTF8ToString(accumulate_c);
    const feed = { input: UTF8ToString(input_c), dims: [1, 3, height, width], half: !!half, outputs: names,
                   accumulate: accumulate ? JSON.parse(accumulate) : [] };
    globalThis.dzOrt.run(session_id, input, feed).then((r) => {
      try {
        for (let i = 0; i < names.length; ++i) {
            const t = r.outputs[names[i]];
            r.outputs[names[i]] = null; // let it go as soon as it is on the heap
            if (t.accumulated) continue;
            const bytes = t.data.length * (t.half ? 2 : 4);
            const dimsOffset = Math.ceil(Math.max(8, bytes) / 8) * 8; // the dims (float64) after the data, 8-aligned
            const p = _malloc(dimsOffset + 8 * t.dims.length);
            if (!p) {
                done("out of memory for output " + names[i] + " (" + bytes + " bytes)");
                return;
            }
            try {
                if (t.half) HEAPU16.set(t.data, p >> 1);
                else HEAPF32.set(t.data, p >> 2);
                HEAPF64.set(t.dims.map(Number), (p + dimsOffset) >> 3);
                ccall("dz_on_output", null, ["number", "number", "number", "number", "number", "number"],
                      [request_id, i, p, t.half ? 1 : 0, p + dimsOffset, t.dims.length]);
            } finally {
                _free(p);
            }
        }
      } catch (e) { // whatever goes wrong, the run must end (C++ holds ONNX Runtime busy until it does)
        done(String((e && e.message) || e) || "reading the outputs failed");
        return;
      }
      done("");
    }, (e) => done(String((e && e.message) || e) || "the run failed"));
  },

  // Reads back the counts the runs of session_id gathered on the GPU: dz_on_layer_totals(json, size,
  // request_id) per layer, the JSON being {layer, dims, images, channels: [record]} with
  // gpu_postprocess.js's records (read by field name in ort_session.cpp), then
  // dz_on_outputs_done(request_id, error).
  // void dz_js_ort_read_totals(int session_id, int request_id) [wasm/ort_session.cpp]
  dz_js_ort_read_totals: function(session_id, request_id) {
    const done = (error) => ccall("dz_on_outputs_done", null, ["number", "string"], [request_id, error]);
    if (!globalThis.dzOrt) {
        setTimeout(() => done("ONNX Runtime Web did not load"), 0);
        return;
    }
    globalThis.dzOrt.readTotals(session_id).then((layers) => {
      try {
        for (const l of layers)
            globalThis.dzCallWithBytes("dz_on_layer_totals", new TextEncoder().encode(JSON.stringify(l)), ["number"], [request_id]);
      } catch (e) {
        done(String((e && e.message) || e) || "reading the GPU's counts failed");
        return;
      }
      done("");
    }, (e) => done(String((e && e.message) || e) || "reading the GPU's counts failed"));
  },

  // void dz_js_save_file(const char* name, const char* mime, const void* data, int size) [wasm/scan_view.cpp]
  dz_js_save_file: function(name_c, mime_c, ptr, size) {
    const blob = new Blob([HEAPU8.slice(ptr, ptr + size)], { type: UTF8ToString(mime_c) });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = UTF8ToString(name_c);
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  },

  // void dz_js_announce_result(int panel) [wasm/state_json.cpp]
  dz_js_announce_result: function(panel) {
    window.dispatchEvent(new CustomEvent("deadzone-result", { detail: { panel } }));
  },

  // Follows a telemetry file that may still be growing: fetches the bytes after `offset` with an
  // HTTP Range request every `interval_ms` and hands each new piece to dz_on_telemetry_bytes(run,
  // bytes, size, flags, total, error); flags: 1 = finished (no more bytes), 2 = the file was
  // rewritten (smaller than what was read: a resumed or restarted run) and these bytes start it
  // again; total: the file's size when known, else -1 (for a progress bar). A whole-file load is
  // the same call with interval_ms = 0: its body is streamed to C++ in pieces of about 1 MB as they
  // arrive (parsed while the rest downloads, and never one huge copy on the wasm heap), then an
  // empty finished piece; a .gz file, which only decompresses whole, comes in one piece. Stops when
  // dz_js_stop_follow(run) is called or the file cannot be read. web/serve.mjs answers Range
  // requests; a server that ignores them (200 with the whole file) is handled by skipping the
  // bytes already delivered.
  dz_js_follow_telemetry: function(run, url_c, interval_ms) {
    const url = UTF8ToString(url_c);
    globalThis.dzFollows = globalThis.dzFollows || new Map();
    const follow = { offset: 0, stopped: false, timer: 0 };
    globalThis.dzFollows.set(run, follow);
    const stop = () => {
      follow.stopped = true;
      globalThis.dzFollows.delete(run);
    };
    const deliver = (buffer, flags, error, total = -1) => {
      if (follow.stopped) return;
      globalThis.dzCallWithBytes("dz_on_telemetry_bytes", buffer, ["number", "number", "number", "string"], [run, flags, total, error]);
    };
    // A whole file, streamed in pieces (gzip content in one: see dzStreamPieces).
    const stream = async (r) => {
      const total = Number(r.headers.get("Content-Length") || -1);
      await dzStreamPieces(r.body, (piece, finished) => deliver(piece, finished ? 1 : 0, "", total), {
        stopped: () => follow.stopped,
        counted: (n) => { follow.offset += n; },
      });
    };
    // "bytes a-b/total" or "bytes */total" -> total, or -1.
    const totalOf = (r) => {
      const m = /\/(\d+)$/.exec(r.headers.get("Content-Range") || "");
      return m ? Number(m[1]) : -1;
    };
    const poll = async () => {
      if (follow.stopped) return;
      let flags = interval_ms > 0 ? 0 : 1;
      try {
        const headers = follow.offset > 0 ? { Range: `bytes=${follow.offset}-` } : {};
        let r = await fetch(url, { headers, cache: "no-store" });
        const total = r.status === 416 || r.status === 206 ? totalOf(r) : -1;
        if (follow.offset > 0 && total >= 0 && total < follow.offset) { // rewritten: start again
          follow.offset = 0;
          flags |= 2;
          r = await fetch(url, { cache: "no-store" });
        }
        if (r.status === 416) { // nothing new yet
        } else if (!r.ok) {
          throw new Error("HTTP " + r.status);
        } else if (interval_ms <= 0 && r.body && !/\.gz$/i.test(url)) {
          await stream(r);
        } else {
          let buffer = await r.arrayBuffer();
          if (r.status === 200 && follow.offset > 0) buffer = buffer.slice(follow.offset); // Range ignored
          follow.offset += buffer.byteLength;
          if (buffer.byteLength > 0 || flags !== 0) deliver(buffer, flags, "");
        }
      } catch (e) {
        deliver(new ArrayBuffer(0), 1, String((e && e.message) || e));
        stop();
        return;
      }
      if (interval_ms > 0 && !follow.stopped) follow.timer = setTimeout(poll, interval_ms);
      else stop();
    };
    poll();
  },

  // Stops following run `run` (a pending fetch finishes but is not delivered).
  dz_js_stop_follow: function(run) {
    const follow = globalThis.dzFollows && globalThis.dzFollows.get(run);
    if (!follow) return;
    follow.stopped = true;
    clearTimeout(follow.timer);
    globalThis.dzFollows.delete(run);
  },
});
