// The Scan view's state: one model scanned for dead zones over a set of images (core's model_scan.h),
// run through ONNX Runtime Web one image and one group of activation outputs at a time
// (scan_pipeline.cpp), and what the user looks at in the report (scan_view.cpp).
#pragma once

#include "detect_state.h"

#include "deadzone/detector_interface.h"
#include "deadzone/model_scan.h"
#include "deadzone/scan_compare.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace deadzone::explorer {

enum class ScanPhase {
    Empty,          // no model yet
    WaitingForData, // the model names external data files that have not been dropped
    Ready,          // a model and images: press Scan
    Opening,        // ORT is creating the session of the exposed model
    Running,        // image by image, group by group
    Done,
    Failed,
};

enum class ScanSort { GraphOrder, DeadUnits, DeadChannels };

// An image the scan runs on: dropped while the Scan view was open, fetched with "samples", or the
// Detect view's current image.
struct ScanImage {
    std::string name;
    std::vector<std::uint8_t> bytes;
    int rank = 0; // list order: the sample's place in the toolbar, or after the samples by arrival
};

// A channel grid of the selected layer for one image: its output kept for thumbnails.
struct LayerMaps {
    int layer = -1;
    int image = -1;
    std::vector<std::int64_t> shape; // [1,C,H,W] (or [1,C] etc.: then no thumbnails)
    std::vector<float> values;
    int generation = 0;   // ScanState::maps_generation when these values arrived
    bool pending = false; // a run fetching it is in flight
    std::string error;
};

struct ScanState {
    ScanPhase phase = ScanPhase::Empty;
    std::string model_name;
    std::vector<std::uint8_t> model_bytes;    // kept to scan again with other images or rules
    std::vector<ExternalFile> external_files; // its external data, as it names them
    std::vector<std::string> missing_data;    // external data files still to drop
    std::vector<ExternalFile> early_data;     // .data files dropped before their model (at most kMaxDataFiles)
    std::optional<ModelScan> scan;            // the current (or last) scan
    StaticThresholds thresholds;
    InputScaling scaling = InputScaling::ImageNet; // used unless the model's own mean/std are
    bool model_norm_known = false;                 // the model carries mean/std metadata (DeadZone's trainer)
    bool use_model_norm = true;
    Normalization model_norm;
    ChannelOrder channel_order = ChannelOrder::Rgb; // the plane order fed, whichever mean/std
    ScanInput input;                                // the model's input as fed (core's scan_input): name, size, half
    int symbolic_side = 640;                        // the side symbolic H/W are fed at (letterboxed square)
    double budget_mb = 64.0;                        // activations fetched per run, at most

    std::vector<ScanImage> images;
    bool samples_requested = false; // the samples were fetched (done once when the view first opens)
    int session_id = 0;
    int request_id = 0;        // the run in flight, 0 when none
    int abandoned_request = 0; // a cancelled scan's run still in flight (ORT stays busy until it answers)
    int image_index = 0, group_index = 0;
    std::vector<std::vector<int>> groups;   // fetch groups for the current image
    std::vector<std::string> request_names; // the tensors the run in flight fetches (output order)
    std::vector<int> request_layers;        // their layer indices
    bool request_for_maps = false;          // the run fetches thumbnails, not counters
    bool reduce_on_gpu = false;             // on WebGPU, count on the GPU (next scan); default: a hardware adapter
    bool gpu_totals = false;                // this pass's session reduces outputs on the GPU (WebGPU, float32 input)
    bool reading_totals = false;            // the request in flight reads the GPU's counts back
    int gpu_total_layers = 0;               // layers whose counts this pass took from the GPU
    double started_ms = 0, finished_ms = 0;
    std::string error;                // why the last scan failed
    std::optional<ScanReport> report; // the finished scan

    // Back-end comparison: after the scan, the same scan on the other back-end (WebGPU <-> wasm),
    // and the first layer where the two disagree (scan_compare.h).
    bool compare_backends = false;            // the user's choice, for the next scan
    int pass = 0;                             // 0: the scan; 1: its rerun on the other back-end
    Backend pass_backend = Backend::Wasm;     // what the current pass's session runs on
    std::optional<ModelScan> second;          // pass 1's counters
    std::optional<ScanComparison> comparison; // when pass 1 finished
    std::string comparison_error;             // why it could not run (e.g. WebGPU refused the model)
    Backend compared_with = Backend::Wasm;

    // What the user looks at.
    int selected_layer = -1;
    ScanSort sort = ScanSort::GraphOrder;
    bool only_dying = false; // hide layers whose activation cannot die
    char filter[64] = {};
    int hover_channel = -1;
    LayerMaps maps;
    int maps_generation = 0;          // counts thumbnail fetches (LayerMaps::generation)
    unsigned maps_texture = 0;        // the thumbnails' atlas (GL texture), 8 channels a row
    int maps_texture_generation = -1; // the LayerMaps::generation the atlas shows
    int maps_atlas_cols = 8;
};

} // namespace deadzone::explorer
