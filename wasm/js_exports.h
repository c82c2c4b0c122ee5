// The C++ functions the page's JavaScript calls (exported with EMSCRIPTEN_KEEPALIVE, called with
// ccall from web/): the answers to the browser calls of js_bindings.h, and the state hook and
// setters that tests and benchmarks drive (window.deadzone.call). Strings are UTF-8, pointers are
// offsets in the wasm heap, valid for the call only.
#pragma once

#include <cstdint>

extern "C" {

// backend_probe.cpp: what the browser offers (WebGPU adapter, wasm threads, SIMD) as JSON.
void dz_on_backend_probe(const char* json_text);

// file_drop.cpp: files in.
// A dropped or opened file, whole (t0: performance.now() of the drop).
void dz_on_file_dropped(const std::uint8_t* data, int size, const char* name, double t0);
// A dropped telemetry file that will stream in pieces: its run's id, or 0 when it is read whole.
int dz_begin_dropped_file(const char* name, double size);
// 1 when the point (CSS pixels) is on an Open button (kFileDialogButtons), else 0.
int dz_file_dialog_button_at(double x, double y);
void dz_on_file_error(const char* name, const char* message);
// A fetched file (kind: a FetchKind); error is "" or why it failed.
void dz_on_fetched(const std::uint8_t* data, int size, int kind, const char* url, const char* error, double t0);
// A piece of a telemetry run (flags: 1 = the last piece, 2 = the file was rewritten; total: its size
// in bytes or -1); error is "" or why reading stopped.
void dz_on_telemetry_bytes(const std::uint8_t* data, int size, int run, int flags, double total, const char* error);

// ort_session.cpp: ONNX Runtime Web's answers.
void dz_on_session_created(int id, int ok, const char* message);
// The Scan view's outputs, one call each (dims as doubles, rank of them), then dz_on_outputs_done.
void dz_on_output(int request_id, int index, const void* data, int half, const double* dims, int rank);
void dz_on_outputs_done(int request_id, const char* error);
// One layer's counts gathered on the GPU over every image (dz_js_ort_read_totals), as `size` bytes of
// JSON {layer, dims, images, channels: [gpu_postprocess.js record]} read by field name;
// dz_on_outputs_done follows the last layer.
void dz_on_layer_totals(const char* json, int size, int request_id);
void dz_on_run_failed(int request_id, const char* message);
// A detection run's heatmap, wh, wh_pre and offset maps: each its data, element count, float16 flag
// and NCHW dims (n 0 for an absent output); the run's time and the round trip's, in ms.
void dz_on_run_done(int request_id, const void* hm, int hm_n, int hm_half, int hm0, int hm1, int hm2, int hm3, const void* wh,
                    int wh_n, int wh_half, int wh0, int wh1, int wh2, int wh3, const void* pre, int pre_n, int pre_half, int pre0,
                    int pre1, int pre2, int pre3, const void* off, int off_n, int off_half, int off0, int off1, int off2,
                    int off3, double ms, double round_trip_ms);

// A detection run whose decode the GPU did (dz_js_ort_run's decode): `size` bytes of JSON {decoded,
// stats: {wh, wh_pre}, dims, ms, round_trip_ms} (web/ort_runner.js's decodeOnGpu), read by field name.
void dz_on_run_decoded(const char* json, int size, int request_id);
// The maps such a run left on the GPU, read back (dz_js_ort_read_kept): as dz_on_run_done's.
void dz_on_maps_read(int request_id, const void* hm, int hm_n, int hm_half, int hm0, int hm1, int hm2, int hm3, const void* wh,
                     int wh_n, int wh_half, int wh0, int wh1, int wh2, int wh3, const void* pre, int pre_n, int pre_half,
                     int pre0, int pre1, int pre2, int pre3, const void* off, int off_n, int off_half, int off0, int off1,
                     int off2, int off3, double ms, double round_trip_ms);
// Reading those maps failed: message says why.
void dz_on_maps_failed(int request_id, const char* message);

// prediction_dump.cpp: whether the clipboard took the text.
void dz_on_text_copied(int ok, const char* why);

// state_json.cpp: the state hook (window.deadzone.state()) and the setters tests and benchmarks
// use instead of clicks. Each setter acts as the matching control does.
const char* dz_state_json();
const float* dz_model_input_data();
int dz_model_input_size();
void dz_set_decode_params(float score_threshold, int top_k);
int dz_select_model(int panel, const char* name);
void dz_set_backend(const char* name);
void dz_set_overlay(int overlay);
void dz_set_heatmap_class(int class_id);
int dz_set_interface(const char* name, const char* mapping_json);
void dz_set_ground_truth(int show);
void dz_set_overlay_opacity(float alpha);
void dz_set_view(const char* name);
const char* dz_scan_report_text(int markdown);
void dz_scan_set_scaling(int scaling, int bgr);
void dz_scan_set_gpu_counts(int on);
void dz_set_partial_redraw(int on);
void dz_replay_set_channel(int channel);
int dz_flow_set_activation(const char* name, double param);
void dz_flow_set_phase(double phase);
int dz_what_if_set(const char* json);
void dz_replay_set_step(double step);
void dz_replay_load_url(const char* name, const char* url, int live);
void dz_replay_remove(int index);
void dz_open_shipped_replay();

} // extern "C"
