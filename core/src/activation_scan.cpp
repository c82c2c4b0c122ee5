#include "deadzone/activation_scan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace deadzone {

namespace {

struct OpEntry {
    ActivationOp op;
    const char* name; // the ONNX op_type
    bool can_die;     // its derivative is exactly 0 somewhere
};

// One table: the ONNX op of each activation and whether its units can die.
constexpr OpEntry kOps[] = {
    {ActivationOp::Relu, "Relu", true},
    {ActivationOp::Clip, "Clip", true},
    {ActivationOp::HardSwish, "HardSwish", true},
    {ActivationOp::HardSigmoid, "HardSigmoid", true},
    {ActivationOp::Sigmoid, "Sigmoid", true},
    {ActivationOp::Tanh, "Tanh", true},
    {ActivationOp::LeakyRelu, "LeakyRelu", false},
    {ActivationOp::PRelu, "PRelu", false},
    {ActivationOp::Elu, "Elu", false},
    {ActivationOp::Selu, "Selu", false},
    {ActivationOp::Celu, "Celu", false},
    {ActivationOp::Gelu, "Gelu", false},
    {ActivationOp::Softplus, "Softplus", false},
    {ActivationOp::Mish, "Mish", false},
};

const OpEntry& entry(ActivationOp op) {
    for (const OpEntry& e : kOps)
        if (e.op == op) return e;
    return kOps[0];
}

// A scalar constant input (Clip's min/max since opset 11), or `fallback`.
float scalar_input(const OnnxGraph& graph, const OnnxNode& node, std::size_t index, float fallback) {
    if (index >= node.inputs.size() || node.inputs[index].empty()) return fallback;
    const OnnxWeights* w = graph.find_weights(node.inputs[index]);
    return w != nullptr && w->values.size() == 1 ? w->values[0] : fallback;
}

// Adds one image's plane of one channel to its counters; marks the positions that are active.
template <typename Inactive>
void count_plane(const float* plane, std::int64_t positions, Inactive inactive, ChannelScan& s, std::uint8_t* active) {
    std::int64_t finite = s.finite();
    for (std::int64_t p = 0; p < positions; ++p) {
        const float v = plane[p];
        ++s.values;
        if (std::isnan(v)) { // broken, not dead: a NaN unit is never counted as inactive
            ++s.nan;
            active[p] = 1;
            continue;
        }
        if (std::isinf(v)) {
            ++s.inf;
        } else {
            s.min = finite == 0 ? v : std::min(s.min, v);
            s.max = finite == 0 ? v : std::max(s.max, v);
            s.sum += v;
            ++finite;
        }
        if (inactive(v)) ++s.inactive;
        else active[p] = 1;
    }
}

} // namespace

const char* activation_op_name(ActivationOp op) { return entry(op).name; }

bool activation_op_of(const std::string& op_type, ActivationOp& op) {
    for (const OpEntry& e : kOps)
        if (op_type == e.name) {
            op = e.op;
            return true;
        }
    return false;
}

bool activation_can_die(ActivationOp op) { return entry(op).can_die; }

InactiveRegion ActivationLayer::inactive_region() const {
    const float inf = std::numeric_limits<float>::infinity();
    switch (op) {
    case ActivationOp::Relu:      // relu(x) = 0 exactly for x <= 0
    case ActivationOp::HardSwish: // x * relu6(x + 3) / 6 = 0 for x <= -3
        return {true, -inf, inf};
    case ActivationOp::Clip: return {false, lower, upper}; // held at a (finite) bound
    case ActivationOp::HardSigmoid: return {false, 0.0f, 1.0f};
    case ActivationOp::Sigmoid: return {false, kSaturationEps, 1.0f - kSaturationEps};
    case ActivationOp::Tanh: return {false, -1.0f + kSaturationEps, 1.0f - kSaturationEps};
    default: return {};
    }
}

bool ActivationLayer::inactive_pre_activation(float x) const {
    switch (op) {
    case ActivationOp::Relu: return x <= 0.0f;
    case ActivationOp::Clip: return inactive(x);
    case ActivationOp::HardSwish: return x <= -3.0f;
    case ActivationOp::HardSigmoid: return inactive(alpha * x + beta);
    case ActivationOp::Sigmoid: return inactive(1.0f / (1.0f + std::exp(-x)));
    case ActivationOp::Tanh: return inactive(std::tanh(x));
    default: return false;
    }
}

std::vector<ActivationLayer> find_activation_layers(const OnnxGraph& graph) {
    std::vector<ActivationLayer> layers;
    const float inf = std::numeric_limits<float>::infinity();
    for (const OnnxNode& node : graph.nodes) {
        ActivationOp op{};
        if (!node.domain.empty() && node.domain != "ai.onnx") continue;
        if (!activation_op_of(node.op_type, op) || node.outputs.empty() || node.inputs.empty()) continue;
        ActivationLayer layer;
        layer.tensor = node.outputs[0];
        layer.node = node.display_name();
        layer.input = node.inputs[0];
        layer.op = op;
        if (op == ActivationOp::Clip) {
            layer.lower = scalar_input(graph, node, 1, node.float_attribute("min", -inf));
            layer.upper = scalar_input(graph, node, 2, node.float_attribute("max", inf));
        } else if (op == ActivationOp::HardSigmoid) {
            layer.alpha = node.float_attribute("alpha", 0.2f);
            layer.beta = node.float_attribute("beta", 0.5f);
        }
        layers.push_back(std::move(layer));
    }
    return layers;
}

int LayerScan::dead_channels() const {
    int n = 0;
    for (const ChannelScan& c : channels) n += c.dead() ? 1 : 0;
    return n;
}

LayerAccumulator::LayerAccumulator(ActivationLayer layer) : layer_(std::move(layer)) {}

Result<bool> LayerAccumulator::add(const float* values, const std::vector<std::int64_t>& shape) {
    for (std::int64_t d : shape)
        if (d < 0) return Error{"layer " + layer_.node + ": the output has a negative dimension"};
    const std::int64_t batch = shape.size() >= 2 ? shape[0] : 1;
    const std::int64_t channels = shape.size() >= 2 ? shape[1] : 1;
    std::int64_t positions = 1;
    for (std::size_t i = shape.size() >= 2 ? 2 : 0; i < shape.size(); ++i) positions *= shape[i];
    if (images_ == 0) {
        shape_ = shape;
        channels_ = channels;
        positions_ = positions;
        counts_.assign(static_cast<std::size_t>(channels), ChannelScan{});
        ever_active_.assign(static_cast<std::size_t>(channels * positions), 0);
    } else if (shape.size() != shape_.size() || !std::equal(shape.begin() + 1, shape.end(), shape_.begin() + 1)) {
        return Error{"layer " + layer_.node + ": the output's shape changed between images (" + dims_text(shape_) + " then " +
                     dims_text(shape) + "); scan images at one input size"};
    }
    // The op's test is hoisted out of the loop over values (one instantiation per op).
    const ActivationLayer& layer = layer_;
    const auto scan_planes = [&](auto inactive) {
        for (std::int64_t n = 0; n < batch; ++n)
            for (std::int64_t c = 0; c < channels; ++c)
                count_plane(values + (n * channels + c) * positions, positions, inactive, counts_[static_cast<std::size_t>(c)],
                            ever_active_.data() + c * positions);
    };
    switch (layer.op) {
    case ActivationOp::Relu:
    case ActivationOp::HardSwish: scan_planes([](float v) { return v == 0.0f; }); break;
    default: scan_planes([region = layer.inactive_region()](float v) { return region.contains(v); });
    }
    images_ += static_cast<int>(batch);
    return true;
}

Result<bool> LayerAccumulator::set_totals(const std::vector<std::int64_t>& shape, int images, std::vector<ChannelScan> channels) {
    for (std::int64_t d : shape)
        if (d < 0) return Error{"layer " + layer_.node + ": the output has a negative dimension"};
    const std::int64_t channel_count = shape.size() >= 2 ? shape[1] : 1;
    std::int64_t positions = 1;
    for (std::size_t i = shape.size() >= 2 ? 2 : 0; i < shape.size(); ++i) positions *= shape[i];
    if (static_cast<std::int64_t>(channels.size()) != channel_count)
        return Error{"layer " + layer_.node + ": " + std::to_string(channels.size()) + " channel totals for an output of " +
                     dims_text(shape)};
    shape_ = shape;
    images_ = images;
    channels_ = channel_count;
    positions_ = positions;
    counts_ = std::move(channels);
    ever_active_.clear();
    totals_ = true;
    return true;
}

LayerScan LayerAccumulator::finish() const {
    LayerScan scan;
    scan.layer = layer_;
    scan.shape = shape_;
    scan.images = images_;
    scan.channels = counts_;
    scan.units = channels_ * positions_;
    for (std::int64_t c = 0; c < channels_; ++c) {
        ChannelScan& s = scan.channels[static_cast<std::size_t>(c)];
        std::int64_t dead = 0;
        if (activation_can_die(layer_.op)) {
            if (totals_) dead = s.dead_units;
            else
                for (std::int64_t p = 0; p < positions_; ++p)
                    dead += ever_active_[static_cast<std::size_t>(c * positions_ + p)] ? 0 : 1;
        }
        s.dead_units = dead;
        scan.dead_units += dead;
        scan.nonfinite += s.nan + s.inf;
    }
    return scan;
}

} // namespace deadzone
