// The Detect view's path from bytes to boxes (pipeline.cpp): image bytes -> core decode_image ->
// letterbox + normalisation -> ONNX Runtime Web -> checks -> channel statistics + decode_ttfnet.
// Bad input at any step becomes a visible message and leaves the previous results as they were.
#pragma once

#include "app.h"
#include "file_drop.h" // FetchKind

#include <cstdint>
#include <string>
#include <vector>

namespace deadzone::explorer {

// "shipped", "test model", "dropped": the state hook's names, also shown to the user.
const char* model_origin_name(ModelOrigin origin);

void start_explorer(AppState& state); // install the file drop, fetch the model list and samples
// Fetches a sample image, and its labels when it has them; shows the model pair it is made for
// (SampleImage::pair) unless the user has picked the panels' models.
void open_sample(AppState& state, const SampleImage& sample);
void pump_pipeline(AppState& state); // once a frame: start the next ORT call, never wait for one
void accept_image_bytes(AppState& state, const std::string& name, const std::vector<std::uint8_t>& bytes, double received_ms);
// A model file: checked (core's detector_interface.h), then added, or kept waiting for the external
// data files it names (accept_model_data_bytes), or refused with a visible reason.
void accept_model_bytes(AppState& state, const std::string& name, ModelOrigin origin, std::vector<std::uint8_t> bytes);
// An external data file (ONNX weights outside the .onnx): completes a waiting model, or is kept
// (at most kMaxDataFiles) for a model that comes later.
void accept_model_data_bytes(AppState& state, const std::string& name, std::vector<std::uint8_t> bytes);
constexpr std::size_t kMaxDataFiles = 8;
// The interface step's Apply: the model runs with `mapping` from now on (panels showing it rerun),
// and this browser remembers it for the model's file. Returns "" or why the mapping does not fit.
std::string apply_model_mapping(AppState& state, int model_index, const InterfaceMapping& mapping);
// Whether a dropped file is model data: named *.data, or named by a waiting model.
bool is_model_data_name(const DetectState& detect, const std::string& file_name);
void select_model(AppState& state, int panel, int model_index);
void set_backend(AppState& state, Backend backend);
void redecode(AppState& state); // sliders moved: decode again, no rerun
bool any_run_pending(const AppState& state);
// The panel holds a result of its current model on the current image (not one left from before).
bool shows_current_result(const DetectState& detect, const Panel& panel);
// Index of the model called `name`, or -1.
int find_model(const DetectState& detect, const std::string& name);
// The manifest's card of the shipped model `name`, or null.
const ModelCard* find_card(const DetectState& detect, const std::string& name);
// Indices into detect.models in the order the picker lists them: the manifest's order (whatever
// order the files arrived in), then other models by arrival.
std::vector<int> models_in_list_order(const DetectState& detect);
// Ranks from here on are models that are not in the manifest.
constexpr int kMaxManifestModels = 1 << 16;
// A fetched model manifest or sample list (FetchKind::Manifest, TestManifest or Samples).
void on_manifest_fetched(AppState& state, FetchKind kind, const std::string& url, const std::vector<std::uint8_t>& bytes,
                         const std::string& error);
// Runs the image path (decode, letterbox) once on a sample's bytes and throws the result away, so
// the browser has optimised that code before the user's first image.
void warm_up_image_path(const std::vector<std::uint8_t>& bytes);
// ONNX Runtime's answers (from ort_session.cpp): a session was created, a run finished.
void on_session_created(AppState& state, int session_id, bool ok, const std::string& message);
void on_run_finished(AppState& state, int request_id, ModelOutputs* outputs, const std::string& error, double ms,
                     double round_trip_ms);
// A run whose decode was done on the GPU finished (its maps stay there).
void on_run_decoded(AppState& state, int request_id, GpuDecodedRun& run);
// The maps read_maps_from_gpu asked for arrived (maps null and error set when they could not be read).
void on_maps_read(AppState& state, int request_id, ModelOutputs* maps, const std::string& error);
// Panel `panel_index`'s prediction needs its maps (colour map, hover read-out, a new decode): when
// they are still on the GPU, start reading them back (once; nothing when they are here or on their way).
void read_maps_from_gpu(AppState& state, int panel_index);
// Whether the next run of `model` is decoded on the GPU: WebGPU, the Detect view's "GPU decode" on,
// and a model decode.wgsl reads as it is (TTFNet ltrb in input pixels, logits, float32).
bool decodes_on_gpu(const AppState& state, const Model& model);
// The "GPU decode" box: on WebGPU the panels run again the chosen way.
void set_decode_on_gpu(AppState& state, bool on);

} // namespace deadzone::explorer
