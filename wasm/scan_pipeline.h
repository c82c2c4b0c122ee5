// The Scan view's path (scan_pipeline.cpp): a model's bytes -> core's ModelScan (activation layers,
// static findings, the model with every activation exposed) -> an ORT Web session -> for each image,
// one run per fetch group, each output reduced to counters by core as it arrives -> the report. On
// WebGPU the float32 outputs are reduced on the GPU instead (shaders/channel_stats.wgsl, with each
// layer's InactiveRegion) and their counts read back once, after the last image.
// Bad input (not ONNX, no activation, an image that does not decode, a run that fails) becomes the
// view's visible error and a message, and the last finished report stays on screen.
#pragma once

#include "app.h"

#include <cstdint>
#include <string>
#include <vector>

namespace deadzone::explorer {

// A model to scan (any ONNX model: no detector interface needed). Replaces the current one.
void accept_scan_model(AppState& state, const std::string& name, std::vector<std::uint8_t> bytes);
// The Detect view's model `model_index`, with its external data.
void scan_detect_model(AppState& state, int model_index);
// An external data file the scanned model names: takes `bytes` and returns true; false (bytes left
// as they were) when the model names no such file.
bool accept_scan_data(AppState& state, const std::string& name, std::vector<std::uint8_t>& bytes);
// An image for the scan (dropped in the Scan view, or fetched by fetch_scan_samples); kept until cleared.
void accept_scan_image(AppState& state, const std::string& name, std::vector<std::uint8_t> bytes);
void fetch_scan_samples(AppState& state); // every sample image of the Detect view's toolbar (kind "scan image")
void clear_scan_images(AppState& state);
// Starts (or restarts) the scan of the current model over the images. Refused with a message while
// one is running, without a model, or without images.
void start_scan(AppState& state);
void cancel_scan(AppState& state);
bool scan_running(const ScanState& scan);
// Whether sessions can be made on `backend` here (wasm always; WebGPU with an adapter).
bool backend_available(const AppState& state, Backend backend);
// Once a frame: create the session or start the next run when ONNX Runtime is free.
void pump_scan(AppState& state);
// Fetches the selected layer's output for one image (the channel thumbnails).
void request_layer_maps(AppState& state, int layer, int image);
// The last report as JSON (scan_report.h) or Markdown; "" when there is none.
std::string scan_report_text(const ScanState& scan, bool markdown);

// ONNX Runtime's answers (ort_session.cpp).
bool owns_scan_session(const AppState& state, int session_id);
void on_scan_session_created(AppState& state, int session_id, bool ok, const std::string& message);
void on_scan_output(AppState& state, int request_id, int index, const void* data, bool half,
                    const std::vector<std::int64_t>& dims);
void on_scan_run_done(AppState& state, int request_id, const std::string& error);
// One layer's counts over every image, gathered on the GPU (ort_read_totals).
void on_scan_layer_totals(AppState& state, int request_id, int layer, const std::vector<std::int64_t>& shape, int images,
                          std::vector<ChannelScan> channels);

} // namespace deadzone::explorer
