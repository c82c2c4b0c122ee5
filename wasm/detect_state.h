// The Detect view's state: the models on offer, the image, the two panels and what each model
// said about the image. Owned by AppState; the pipeline (pipeline.h) fills it, detect_view.h draws it.
#pragma once

#include "deadzone/channel_stats.h"
#include "deadzone/decode.h"
#include "deadzone/detection_metrics.h"
#include "deadzone/detector_interface.h"
#include "deadzone/image_input.h"
#include "deadzone/yolo_labels.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace deadzone::explorer {

enum class Backend { Wasm, WebGpu };
const char* backend_name(Backend b); // the ORT Web execution-provider name: "wasm" / "webgpu"
Backend other_backend(Backend b);    // WebGPU <-> wasm

// What the model manifest (assets/models/manifest.json) says about a shipped model: shown beside
// the model picker and in its tooltip. The figures come from bench/compare_presets.mjs --manifest
// (ttfnet-eval --val and the run's telemetry), written by scripts/make_assets.sh.
struct ModelCard {
    std::string name;
    int rank = 0;                                         // position in the manifest: the picker lists models in this order
    std::string description;                              // what the variant changes, in one line
    std::string training;                                 // what it was trained on (its own line, else the manifest's)
    bool evaluated = false;                               // the figures below are present
    double map50 = -1;                                    // mAP@0.5 on the validation split, 0..1; -1 when not measured
    double mean_iou = -1;                                 // mean IoU of matched boxes (IoU >= 0.5), 0..1; -1 when not measured
    std::vector<std::pair<int, long long>> dead_channels; // (wh channel 0..3, step it died at)
    std::string measured, evaluated_on;                   // the date, and what the figures were measured on
};

// A file an .onnx keeps its weights in (ONNX external data), as the model names it.
struct ExternalFile {
    std::string name;
    std::vector<std::uint8_t> bytes;
};

// Where a model came from: the shipped manifest (assets/models), the generated test models, or the
// user (an .onnx dropped or opened).
enum class ModelOrigin { Shipped, TestModel, Dropped };

// A dropped .onnx whose external data files have not all arrived yet (they may come in the same drop,
// in any order, or in a later one).
struct WaitingModel {
    std::string file_name;
    ModelOrigin origin = ModelOrigin::Dropped;
    std::vector<std::uint8_t> bytes;
};

// A model the user can pick: shipped, a generated test model, or an .onnx dragged in.
struct Model {
    std::string name;
    ModelOrigin origin = ModelOrigin::Dropped;
    int rank = 0;                             // list order: its manifest position, or after them by arrival
    std::vector<std::uint8_t> bytes;          // kept to recreate the session when the back-end changes
    std::vector<ExternalFile> external_files; // its external data, kept for the same reason
    DetectorInterface spec;                   // how to feed it and read it (core/'s detector_interface.h)
    OnnxInfo onnx;                            // its inputs and outputs (the interface step offers the outputs)
    int session_id = 0;                       // 0: no session yet (or it was released)
    bool session_pending = false;             // creation in flight
    std::string session_error;                // ORT refused it (shown, the model stays unusable)
    bool warmed = false;                      // its session has had its warm-up run (see pump_pipeline)
};

// Raw outputs of one run, copied out of ORT Web's tensors.
struct ModelOutputs {
    int classes = 0, height = 0, width = 0;
    std::vector<float> heatmap; // [classes, height, width] logits
    // The box head's four channels as the model wrote them, which the statistics, the dump, the hover
    // read-out and the colour maps show (names: box_channel_name): TTFNet's ltrb distances in input
    // pixels (after the activation and wh_offset_base; cells are multiplied out), or CenterNet's
    // width, height, offset x, offset y. As it arrives from ORT it holds box_channels (4, or 2 for
    // CenterNet's size with its `offset` apart) until accept_run_result settles it.
    std::vector<float> wh;
    int box_channels = 4;
    std::vector<float> offset; // [2, height, width] CenterNet's centre offset as it arrives; empty otherwise
    std::vector<float> ltrb;   // [4, height, width] what decode takes (core/box_encoding.h); empty: wh is it
    std::vector<float> wh_pre; // [4, height, width] pre-activation; empty when the model has none
    ChwView heatmap_view() const { return {heatmap.data(), classes, height, width}; }
    ChwView wh_view() const { return {wh.data(), 4, height, width}; }
    ChwView ltrb_view() const { return ltrb.empty() ? wh_view() : ChwView{ltrb.data(), 4, height, width}; }
    bool has_wh_pre() const { return !wh_pre.empty(); }
    ChwView wh_pre_view() const { return {wh_pre.data(), 4, height, width}; }
};

// A run whose decode and box-map statistics were done on the GPU (shaders/decode.wgsl and
// channel_stats.wgsl through web/gpu_postprocess.js): only these came back; the maps stayed on the
// GPU, kept by web/ort_runner.js under the run's request id until read or dropped.
struct GpuDecodedRun {
    int classes = 0, height = 0, width = 0;          // the heatmap's [C, H, W]
    DecodeResult decoded;                            // in decode_ttfnet's order and conventions
    std::vector<ChannelStats> post_stats, pre_stats; // per wh channel; pre_stats empty without wh_pre
    double ms = 0, round_trip_ms = 0;                // the run and its post-processing; as seen from the page
};

// What one model said about one image. Replaced only by a complete, finite result.
struct Prediction {
    bool valid = false;
    int model_index = -1;
    std::int64_t image_generation = -1;
    Backend backend = Backend::Wasm;
    ModelOutputs out;
    Letterbox letterbox;
    std::vector<ChannelStats> pre_stats, post_stats; // per wh channel; pre_stats empty without wh_pre
    DecodeResult decoded;                            // redone whenever the sliders move
    bool decoded_on_gpu = false;                     // decoded and counted by the WGSL shaders (GpuDecodedRun)
    // != 0: out holds only the sizes, the maps are still on the GPU under this handle (the run's
    // request id) and are read back when a view needs them (read_maps_from_gpu); 0: out holds them.
    int kept_maps_handle = 0;
    bool redecode_when_read = false; // the sliders moved while the maps were on the GPU
    std::string maps_error;          // reading them back failed: the views that need them say so
    bool has_maps() const { return !out.heatmap.empty(); }
    double run_ms = 0;     // session.run in ORT's thread (incl. reading the output tensors)
    double handoff_ms = 0; // getting the input to ORT's worker and the outputs back
    double latency_ms = 0; // image received -> boxes decoded, in the app
    // Where latency_ms went (bench/explorer_bench.mjs prints it): the browser reading the dropped
    // File, image decode, waiting for ORT, letterbox + normalise, run, worker hand-off, the copies into
    // C++ + stats + decode.
    double file_read_ms = 0, decode_image_ms = 0, queue_ms = 0, preprocess_ms = 0, post_ms = 0;
    unsigned overlay_texture = 0; // GL texture of the current colour map (see heatmap_texture.cpp)
    int overlay_kind = -1;        // which map the texture holds
    int overlay_class = -1;       // the heatmap class asked for when the texture was made (-1: best class)
    int overlay_shown_class = -1; // the class it shows: overlay_class, or -1 when this model lacks it
    float overlay_range_max = 0;  // the value the colour map's top colour stands for (0 is black)
};

struct Panel {
    int model_index = -1;
    Prediction pred;
    bool needs_run = false;      // image, model or back-end changed since pred
    int request_id = 0;          // the run in flight for this panel, 0 when none
    int maps_request_id = 0;     // the read of pred's maps from the GPU in flight, 0 when none
    Letterbox pending_letterbox; // the geometry of that run's input
    double run_started_ms = 0, preprocess_ms = 0;
    float image_rect[4] = {0, 0, 0, 0};            // where the image was drawn last frame: x, y, scale (px per source px), 0
    float overlay_rect[4] = {0, 0, 0, 0};          // where the colour map was drawn last frame: x0, y0, x1, y1 (0s: none)
    std::string error;                             // the last run's problem (NaN output, wrong shapes), shown on the panel
    std::vector<std::string> legend;               // the legend's entries drawn last frame (the state hook shows them)
    std::vector<std::array<float, 4>> label_rects; // detection labels drawn last frame: x0, y0, x1, y1
    std::string colour_bar, colour_bar_units;      // the colour bar drawn last frame ("" when none)
    int labels_hidden = 0;                         // labels with no free place last frame (drawn only on hover)
};

struct LoadedImage {
    std::string name;
    RgbImage rgb;
    std::int64_t generation = 0; // 0: no image yet
    double received_ms = 0;      // performance.now() when the bytes reached the app
    double arrived_ms = 0;       // performance.now() when the bytes reached C++
    double decoded_ms = 0;       // performance.now() when decoding finished
    unsigned texture = 0;
    int texture_width = 0, texture_height = 0;
};

// A sample image the toolbar offers (assets/images/samples.json).
struct SampleImage {
    std::string url;
    std::string name;       // the button's text
    std::string purpose;    // what the sample shows (the button's tooltip)
    std::string labels_url; // its YOLO label file, "" when it has none
    std::string pair;       // the manifest's model pair made for images like it ("street"), "" = any
};

// A pair of shipped models shown side by side (broken left, fix right), named by the kind of image
// they were trained for: the manifest's `pairs` ({"street": ["street-broken", "street-leaky"]}).
struct ModelPair {
    std::string name;
    std::string models[2];
};

// A YOLO label file that arrived (dropped, opened or fetched with a sample), kept until an image of
// the same stem ("street.txt" for "street.jpg") is loaded.
struct LabelFile {
    std::string name;
    std::string text;
};

// The current image's ground truth (ground_truth.h): the label file read for its size.
struct GroundTruth {
    std::int64_t image_generation = 0; // the image it belongs to; 0: none
    std::string file;
    YoloLabels labels; // boxes in source pixels, and the rows that were dropped
};

// Overlay kinds: none, the heatmap (max class score), or one wh channel.
enum Overlay { kOverlayNone = 0, kOverlayHeatmap = 1, kOverlayWh0 = 2 /* ..kOverlayWh0+3 */ };

struct DetectState {
    std::vector<Model> models;                // in arrival order (indices stay valid); the picker sorts by rank
    std::vector<ModelCard> cards;             // the manifest's models, in its order
    std::vector<WaitingModel> waiting_models; // dropped models waiting for their external data files
    std::vector<ExternalFile> data_files;     // dropped data files no model has claimed yet
    // The interface step (interface_popup.h): the mapping being edited, for which model, and why the
    // last Apply was refused.
    int editing_model = -1;
    InterfaceMapping editing_mapping;
    std::string mapping_error;
    std::string training;          // the manifest's one-line summary of the training data
    std::string model_list_source; // where the model list came from, or why there is none
    std::string default_pair[2];   // the models the panels show until the user picks (the manifest's
                                   // `default_pair`, or the pair the shown sample asks for)
    std::vector<ModelPair> pairs;  // the manifest's named pairs (both models listed)
    // The sample being fetched (its file name) and the pair it asks for, applied when that image
    // arrives; then the pair of the image on screen ("" = none: the panels stay as they are).
    struct {
        std::string file, pair;
    } pending_sample;
    std::string wanted_pair;
    bool models_picked = false; // the user picked or dropped a model: samples no longer switch pairs
    std::vector<SampleImage> samples;
    Panel panels[2];
    LoadedImage image;
    std::vector<LabelFile> label_files; // arrived label files, newest last (at most kMaxLabelFiles)
    GroundTruth ground_truth;
    bool show_ground_truth = true; // draw GT boxes and each detection's IoU (when there is GT)
    ModelInput model_input;        // the last run's input; its buffer is reused (copied to ORT at each run)
    // What model_input holds: the other panel's model reuses it when it takes the same input.
    struct {
        std::int64_t image_generation = 0;
        InputSize size;
        Normalization norm;
    } model_input_of;
    DecodeParams params{4, 100, 0.3f};
    // On WebGPU, decode and count on the GPU and read the maps back only when a view needs them
    // (the colour map, the hover read-out, the sliders). Default: on with a hardware adapter.
    bool decode_on_gpu = false;
    int overlay = kOverlayNone;
    int heatmap_class = -1; // the heatmap overlay's class; -1: the best class per cell
    float overlay_alpha = 0.65f;
    bool show_first_sample = true; // the first sample is loaded at start (off: ?first-sample=none)
    // Hover read-out, in the model's feature-map cells (-1 when not over an image).
    int hover_panel = -1, hover_x = -1, hover_y = -1;
};

} // namespace deadzone::explorer
