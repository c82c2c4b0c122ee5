#include "deadzone/model_scan.h"

#include <sstream>
#include <utility>

namespace deadzone {

namespace {

// 1024 -> "1,024": the summary is read by people.
std::string with_thousands(std::int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

std::string plural(std::int64_t n, const char* one, const char* many) { return with_thousands(n) + " " + (n == 1 ? one : many); }

} // namespace

Result<ScanInput> scan_input(const OnnxInfo& info, int symbolic_width, int symbolic_height) {
    if (info.inputs.empty()) return Error{"the model has no input to feed images to"};
    if (info.inputs.size() > 1) {
        std::string names;
        for (const TensorInfo& t : info.inputs) names += (names.empty() ? "" : ", ") + t.name;
        return Error{"the scan feeds one image input; the model has " + std::to_string(info.inputs.size()) + " (" + names + ")"};
    }
    const TensorInfo& t = info.inputs[0];
    if (t.dims.size() != 4 || (t.dims[1] != 3 && t.dims[1] >= 0))
        return Error{"the scan feeds RGB images: the model's input '" + t.name + "' must be [N,3,H,W], and it is " +
                     dims_text(t.dims)};
    ScanInput in;
    in.name = t.name;
    in.half = t.elem_type == OnnxElemType::Float16;
    in.symbolic = t.dims[2] <= 0 || t.dims[3] <= 0;
    in.height = t.dims[2] > 0 ? static_cast<int>(t.dims[2]) : symbolic_height;
    in.width = t.dims[3] > 0 ? static_cast<int>(t.dims[3]) : symbolic_width;
    return in;
}

int ScanReport::dead_channels() const {
    int n = 0;
    for (const LayerScan& l : layers) n += l.dead_channels();
    return n;
}

int ScanReport::total_channels() const {
    int n = 0;
    for (const LayerScan& l : layers) n += static_cast<int>(l.channels.size());
    return n;
}

int ScanReport::layers_with_dead_channels() const {
    int n = 0;
    for (const LayerScan& l : layers) n += l.dead_channels() > 0 ? 1 : 0;
    return n;
}

int ScanReport::critical_layers() const {
    int n = 0;
    for (const LayerScan& l : layers) n += l.images > 0 && l.level() == DeadLevel::Critical ? 1 : 0;
    return n;
}

std::ptrdiff_t ScanReport::first_nonfinite_layer() const {
    for (std::size_t i = 0; i < layers.size(); ++i)
        if (layers[i].nonfinite > 0) return static_cast<std::ptrdiff_t>(i);
    return -1;
}

std::string scan_summary(const ScanReport& r) {
    std::ostringstream s;
    const std::int64_t images = static_cast<std::int64_t>(r.images.size());
    s << with_thousands(r.dead_channels()) << " of " << plural(r.total_channels(), "channel", "channels") << " in "
      << plural(r.layers_with_dead_channels(), "layer", "layers") << (r.dead_channels() == 1 ? " is" : " are") << " dead for "
      << (images == 1 ? "the one image" : "all " + with_thousands(images) + " images");
    if (r.critical_layers() > 0) s << "; " << plural(r.critical_layers(), "layer is", "layers are") << " CRITICAL";
    if (!r.static_findings.empty())
        s << "; the static rules flag " << plural(static_cast<std::int64_t>(r.static_findings.size()), "channel", "channels")
          << " from the weights alone";
    const std::ptrdiff_t nan_layer = r.first_nonfinite_layer();
    if (nan_layer >= 0) s << "; NaN/Inf first appears at " << r.layers[static_cast<std::size_t>(nan_layer)].layer.node;
    if (!r.skipped_images.empty())
        s << " (" << plural(static_cast<std::int64_t>(r.skipped_images.size()), "image", "images")
          << " skipped: could not be read)";
    return s.str();
}

Result<ModelScan> ModelScan::open(const std::uint8_t* bytes, std::size_t size, const StaticThresholds& thresholds) {
    Result<OnnxGraph> graph = read_onnx_graph(bytes, size);
    if (!graph) return Error{graph.error()};
    ModelScan scan;
    scan.graph_ = std::move(graph).value();
    scan.thresholds_ = thresholds;
    scan.layers_ = find_activation_layers(scan.graph_);
    if (scan.layers_.empty())
        return Error{"the model has no activation layer to scan (none of Relu, Clip, HardSwish, Sigmoid, LeakyRelu, "
                     "PRelu, Elu, Gelu, ...)"};
    scan.static_findings_ = find_static_dead_zones(scan.graph_, scan.layers_, thresholds);
    scan.graph_.weights.clear();
    std::vector<std::string> tensors;
    for (const ActivationLayer& l : scan.layers_) tensors.push_back(l.tensor);
    Result<std::vector<std::uint8_t>> exposed = add_graph_outputs(bytes, size, tensors);
    if (!exposed) return Error{exposed.error()};
    scan.exposed_ = std::move(exposed).value();
    // So that ORT Web's WebGPU back-end runs it too (the scan can compare the back-ends).
    Result<bool> defaults = add_default_conv_attributes(scan.exposed_);
    if (!defaults) return Error{defaults.error()};
    for (const ActivationLayer& l : scan.layers_) scan.accumulators_.emplace_back(l);
    scan.output_bytes_.assign(scan.layers_.size(), -1);
    return scan;
}

std::vector<std::vector<int>> ModelScan::fetch_groups(std::int64_t budget) const {
    std::vector<std::vector<int>> groups;
    std::int64_t in_group = 0;
    for (int i = 0; i < static_cast<int>(layers_.size()); ++i) {
        // Before the first image a size is unknown: counted as an eighth of the budget, so a run
        // fetches eight layers (one run per layer made a 52-layer model 52 runs on a slow back-end).
        const std::int64_t known = output_bytes_[static_cast<std::size_t>(i)];
        const std::int64_t bytes = known >= 0 ? known : budget / 8;
        if (groups.empty() || (in_group + bytes > budget && !groups.back().empty())) {
            groups.emplace_back();
            in_group = 0;
        }
        groups.back().push_back(i);
        in_group += bytes;
    }
    return groups;
}

Result<bool> ModelScan::add_output(int layer, const float* values, const std::vector<std::int64_t>& shape) {
    if (layer < 0 || layer >= static_cast<int>(layers_.size())) return Error{"no activation layer " + std::to_string(layer)};
    std::int64_t n = 1;
    for (std::int64_t d : shape) n *= d < 0 ? 0 : d;
    output_bytes_[static_cast<std::size_t>(layer)] = n * static_cast<std::int64_t>(sizeof(float));
    return accumulators_[static_cast<std::size_t>(layer)].add(values, shape);
}

Result<bool> ModelScan::set_layer_totals(int layer, const std::vector<std::int64_t>& shape, int images,
                                         std::vector<ChannelScan> channels) {
    if (layer < 0 || layer >= static_cast<int>(layers_.size())) return Error{"no activation layer " + std::to_string(layer)};
    std::int64_t n = 1;
    for (std::int64_t d : shape) n *= d < 0 ? 0 : d;
    output_bytes_[static_cast<std::size_t>(layer)] = n * static_cast<std::int64_t>(sizeof(float));
    return accumulators_[static_cast<std::size_t>(layer)].set_totals(shape, images, std::move(channels));
}

void ModelScan::end_image(const std::string& name) { images_.push_back(name); }

void ModelScan::skip_image(const std::string& name, const std::string& reason) { skipped_.push_back({name, reason}); }

ScanReport ModelScan::report(const std::string& model_name, const std::vector<std::int64_t>& input_shape,
                             const std::string& preprocessing) const {
    ScanReport r;
    r.preprocessing = preprocessing;
    r.model = model_name;
    r.images = images_;
    r.skipped_images = skipped_;
    r.input_shape = input_shape;
    r.thresholds = thresholds_;
    r.static_findings = static_findings_;
    for (const LayerAccumulator& a : accumulators_) r.layers.push_back(a.finish());
    return r;
}

} // namespace deadzone
