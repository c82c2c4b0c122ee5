// The browser functions C++ calls, implemented in web/explorer_library.js (an Emscripten JS
// library). Answers that take time come back through the dz_on_* exports of the file named below.
#pragma once

#include <cstdint>

extern "C" {

// main.cpp: the page's size in CSS pixels (the canvas fills the window).
int dz_js_window_width();
int dz_js_window_height();

// file_drop.cpp: files in. Each answer is a dz_on_file_dropped / dz_on_fetched call.
void dz_js_install_helpers();
void dz_js_install_file_drop();
void dz_js_open_file_dialog();
void dz_js_fetch_file(const char* url, int kind);

// backend_probe.cpp: WebGPU adapter, wasm threads and SIMD; answered by dz_on_backend_probe.
void dz_js_start_backend_probe();

// prediction_dump.cpp: the browser's clipboard; answered by dz_on_text_copied.
void dz_js_copy_text(const char* text);

// ort_session.cpp: ONNX Runtime Web (web/ort_bridge.js); answered by dz_on_session_created,
// dz_on_run_done and dz_on_run_failed.
// outputs_on_gpu: WebGPU outputs stay on the GPU until read (for dz_js_ort_run_outputs' accumulate).
void dz_js_ort_create(int id, const unsigned char* bytes, int size, const char* backend, int outputs_on_gpu);
int dz_js_ort_in_worker();
void dz_js_ort_release(int id);
void dz_js_ort_add_external(int id, const char* name, const std::uint8_t* data, int size);

// pipeline.cpp: small settings kept by the browser (localStorage), e.g. a model's interface mapping.
// load: the value's UTF-8 length written to out (NUL-terminated), -1 when absent or longer than capacity - 1.
int dz_js_load_setting(const char* key, char* out, int capacity);
void dz_js_store_setting(const char* key, const char* value);
// ort_session.cpp: one Detect run; answered by dz_on_run_done, or dz_on_run_decoded when `decode` (the
// JSON of web/ort_runner.js's feed.decode, "" for none) was done on the GPU, or dz_on_run_failed.
void dz_js_ort_run(int session_id, int request_id, const void* input, int count, int half, int width, int height,
                   const char* input_name, const char* heatmap_name, const char* wh_name, const char* wh_pre_name,
                   const char* offset_name, const char* decode);
// ort_session.cpp: the maps a decoded run left on the GPU under `handle`, read back (answered by
// dz_on_maps_read or dz_on_maps_failed) or let go.
void dz_js_ort_read_kept(int request_id, int handle, const char* heatmap_name, const char* wh_name, const char* wh_pre_name);
void dz_js_ort_drop_kept(int handle);

// ort_session.cpp, for the Scan view: any outputs (names separated by '\n'), each handed to
// dz_on_output, then dz_on_outputs_done. accumulate: "" or the JSON list of outputs to reduce on the
// GPU instead ([{layer, name, zero, lower, upper}], web/ort_runner.js), whose counts
// dz_js_ort_read_totals later hands to dz_on_layer_totals.
void dz_js_ort_run_outputs(int session_id, int request_id, const void* input, int count, int half, int width, int height,
                           const char* input_name, const char* output_names, const char* accumulate);
void dz_js_ort_read_totals(int session_id, int request_id);

// scan_view.cpp: the browser saves `size` bytes as a download called `name`.
void dz_js_save_file(const char* name, const char* mime, const void* data, int size);

// state_json.cpp: a "deadzone-result" event for tests and the bench.
void dz_js_announce_result(int panel);

// telemetry_loader.cpp: a telemetry file read whole (interval_ms 0) or followed while it grows;
// each new piece arrives through dz_on_telemetry_bytes.
void dz_js_follow_telemetry(int run, const char* url, int interval_ms);
void dz_js_stop_follow(int run);

} // extern "C"
