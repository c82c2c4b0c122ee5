// A dead-zone scan of one ONNX model over a set of images: the one implementation behind the
// explorer's Scan view and `tools/deadzone-scan.mjs` (which runs it as wasm beside onnxruntime-node).
//
// The caller owns the inference runtime. The sequence is:
//   1. ModelScan::open(model bytes): finds the activation layers and the static findings, and makes
//      `exposed_model()`, the model with every activation output added to its graph outputs (and
//      its Convs' default attributes written out, onnx_graph.h, for ORT Web's WebGPU back-end).
//   2. For each image: run the exposed model once per group of fetch_groups() (fetching only that
//      group's tensors keeps peak memory near the budget), and hand each output to add_output() as it
//      arrives, then drop it. Call end_image() after the image's last group.
//   3. report(): per-layer and per-channel results, in graph order.
#pragma once

#include "deadzone/activation_scan.h"
#include "deadzone/onnx_graph.h"
#include "deadzone/result.h"
#include "deadzone/static_dead_zones.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace deadzone {

// The one image input the scan feeds.
struct ScanInput {
    std::string name;
    int width = 0, height = 0; // fed at this size (images are letterboxed into it)
    bool symbolic = false;     // H/W were symbolic: the size is the caller's choice
    bool half = false;         // float16 input
};

// The model's input as the scan feeds it: exactly one input (initializers aside) of shape
// [N,3,H,W], N and the channel count possibly symbolic; fixed H/W, or `symbolic_width` x
// `symbolic_height` when either is symbolic. Errors: no input, several, or another shape (e.g. NHWC),
// named in the message.
Result<ScanInput> scan_input(const OnnxInfo& info, int symbolic_width, int symbolic_height);

// An image the scan could not use (unreadable, unsupported, over the pixel budget), and why.
struct SkippedImage {
    std::string name;
    std::string reason;
};

struct ScanReport {
    std::string model;                        // file name, for the report's title
    std::vector<std::string> images;          // names of the images scanned, in order
    std::vector<SkippedImage> skipped_images; // in the order met; not counted in `images`
    std::vector<std::int64_t> input_shape;    // the input fed, e.g. [1,3,640,640]
    std::string preprocessing;                // how images became that input (describe_model_input), "" if not said
    StaticThresholds thresholds;
    std::vector<StaticFinding> static_findings;
    std::vector<LayerScan> layers; // every activation layer, graph order

    int dead_channels() const;
    int total_channels() const;
    int layers_with_dead_channels() const;
    int critical_layers() const;
    // Index into `layers` of the first layer (graph order) with a NaN or Inf output, or -1.
    std::ptrdiff_t first_nonfinite_layer() const;
};

// "7 of 1,024 channels in 3 layers are dead for all 12 images", plus the static findings and the
// first layer with NaN/Inf when there are any.
std::string scan_summary(const ScanReport& report);

class ModelScan {
public:
    // Errors: the bytes are not an ONNX model; the model has no activation layer the scan knows.
    static Result<ModelScan> open(const std::uint8_t* bytes, std::size_t size, const StaticThresholds& thresholds = {});

    // The graph's nodes and inputs/outputs; its weights are dropped once the static rules have read
    // them (a large model's weights would otherwise be held twice beside the runtime's copy).
    const OnnxGraph& graph() const { return graph_; }
    const std::vector<ActivationLayer>& layers() const { return layers_; }
    const std::vector<StaticFinding>& static_findings() const { return static_findings_; }
    const std::vector<std::uint8_t>& exposed_model() const { return exposed_; }
    void release_exposed_model() { exposed_ = {}; } // once the runtime has its own copy

    // Layer indices to fetch together, each group's outputs at most `budget_bytes` (a layer larger
    // than the budget is fetched alone). Before the first image the output sizes are not known: each
    // counts as budget / 8 (eight layers a run); after it, layers are packed by the sizes seen.
    std::vector<std::vector<int>> fetch_groups(std::int64_t budget_bytes) const;

    // One activation output for the current image, as float32 in `shape`. Errors: an unknown layer
    // index, or LayerAccumulator::add's.
    Result<bool> add_output(int layer, const float* values, const std::vector<std::int64_t>& shape);
    // A layer's counts over every image, gathered elsewhere (LayerAccumulator::set_totals). Errors:
    // an unknown layer index, or set_totals'.
    Result<bool> set_layer_totals(int layer, const std::vector<std::int64_t>& shape, int images,
                                  std::vector<ChannelScan> channels);
    void end_image(const std::string& name);
    // An image that was not scanned (the caller could not decode it): listed in the report, so a
    // folder with one bad photo still gets its scan and says what was left out.
    void skip_image(const std::string& name, const std::string& reason);

    ScanReport report(const std::string& model_name, const std::vector<std::int64_t>& input_shape,
                      const std::string& preprocessing = "") const;

private:
    OnnxGraph graph_;
    StaticThresholds thresholds_;
    std::vector<ActivationLayer> layers_;
    std::vector<StaticFinding> static_findings_;
    std::vector<std::uint8_t> exposed_;
    std::vector<LayerAccumulator> accumulators_;
    std::vector<std::int64_t> output_bytes_; // per layer, -1 until seen
    std::vector<std::string> images_;
    std::vector<SkippedImage> skipped_;
};

} // namespace deadzone
