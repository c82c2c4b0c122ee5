// Runtime dead-zone scan of any ONNX model: which activation layers it has, and, from their outputs
// on the user's images, which units and channels never leave the region where the activation's
// gradient is zero.
//
// A unit is one value of an activation's output for one image: channel c at spatial position p. It
// is *inactive* on an image when the activation sits where its derivative is 0 (ReLU's 0, Clip's
// bounds, HardSwish below -3, Sigmoid/Tanh saturated), and a *dead unit* when it is inactive on every
// image scanned; a *dead channel* is one whose units are all dead. Layers whose activation has no
// zero-gradient region (LeakyRelu, PRelu, Elu, Gelu, Softplus, ...) are listed and their values
// counted, but no unit of theirs can die. The dead-unit share of a layer gets diagnostics.h's levels
// (OK < 10%, WARNING < 50%, CRITICAL from 50%), the same rule the trainer's telemetry uses.
#pragma once

#include "deadzone/diagnostics.h"
#include "deadzone/onnx_graph.h"
#include "deadzone/result.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace deadzone {

enum class ActivationOp {
    Relu,
    Clip,
    HardSwish,
    HardSigmoid,
    Sigmoid,
    Tanh, // have a zero-gradient region: units can die
    LeakyRelu,
    PRelu,
    Elu,
    Selu,
    Celu,
    Gelu,
    Softplus,
    Mish, // gradient never exactly 0
};

// The ONNX op_type of each op ("Relu", "Clip", ...), and the op of an op_type; false for other ops.
const char* activation_op_name(ActivationOp op);
bool activation_op_of(const std::string& op_type, ActivationOp& op);
bool activation_can_die(ActivationOp op);

// Values within this distance of Sigmoid's 0/1 or Tanh's -1/1 count as saturated (their float32
// derivative is below 1e-4 there).
constexpr float kSaturationEps = 1e-4f;

// Where an activation's output has a zero derivative: exactly 0 (`zero`), or at or beyond a finite
// bound (value <= lower, value >= upper; an infinite bound means none). NaN is never in it. One
// description for the C++ scan and the GPU's (shaders/channel_stats.wgsl).
struct InactiveRegion {
    bool zero = false;
    float lower = -std::numeric_limits<float>::infinity();
    float upper = std::numeric_limits<float>::infinity();

    bool contains(float v) const {
        return (zero && v == 0.0f) || (std::isfinite(lower) && v <= lower) || (std::isfinite(upper) && v >= upper);
    }
};

// One activation node of the graph and how to classify its outputs.
struct ActivationLayer {
    std::string tensor; // the activation's output tensor (what the scan exposes)
    std::string node;   // display name of the node (OnnxNode::display_name)
    std::string input;  // its pre-activation tensor
    ActivationOp op = ActivationOp::Relu;
    float lower = 0.0f; // Clip: the bounds its output is held at (min, max; +-inf when absent); else unused
    float upper = 0.0f;
    float alpha = 0.2f; // HardSigmoid: max(0, min(1, alpha * x + beta)) (ONNX defaults; PyTorch exports 1/6, 0.5)
    float beta = 0.5f;

    // The op's zero-gradient region: Relu and HardSwish exactly 0, Clip its finite bounds,
    // HardSigmoid 0 and 1, Sigmoid and Tanh within kSaturationEps of their limits; empty for ops whose
    // gradient is never 0.
    InactiveRegion inactive_region() const;
    // True when `value` (an output of this activation) lies where the derivative is 0.
    bool inactive(float value) const { return inactive_region().contains(value); }
    // True when the activation of a constant pre-activation `x` lies there (static rules).
    bool inactive_pre_activation(float x) const;
};

// The activation nodes of `graph` in graph order. Clip's bounds come from its min/max inputs
// (opset >= 11, constants) or attributes (older opsets); a missing bound is unbounded (and never
// counts as a bound a value is held at). HardSigmoid's alpha and beta come from its attributes.
std::vector<ActivationLayer> find_activation_layers(const OnnxGraph& graph);

// One channel's counts over every image and position scanned.
struct ChannelScan {
    std::int64_t values = 0;   // values seen (images x positions)
    std::int64_t inactive = 0; // of which in the zero-gradient region
    std::int64_t nan = 0;
    std::int64_t inf = 0;
    float min = 0.0f; // over finite values; 0 when there are none
    float max = 0.0f;
    double sum = 0.0;            // over finite values
    std::int64_t dead_units = 0; // positions inactive on every image

    bool dead() const { return values > 0 && inactive == values; } // a NaN is never inactive
    std::int64_t finite() const { return values - nan - inf; }
    double mean() const { return finite() > 0 ? sum / static_cast<double>(finite()) : 0.0; } // over finite values; 0 when none
    double inactive_fraction() const { return values > 0 ? static_cast<double>(inactive) / values : 0.0; }
};

struct LayerScan {
    ActivationLayer layer;
    std::vector<std::int64_t> shape; // of one image's output, e.g. [1,C,H,W]
    int images = 0;
    std::vector<ChannelScan> channels;
    std::int64_t units = 0; // channels x positions
    std::int64_t dead_units = 0;
    std::int64_t nonfinite = 0; // NaN and Inf values over all images

    double dead_unit_fraction() const { return units > 0 ? static_cast<double>(dead_units) / units : 0.0; }
    DeadLevel level() const { return dead_level(dead_unit_fraction()); }
    int dead_channels() const;
};

// Accumulates one layer's output image by image without keeping it: per-channel counters plus one
// bit per unit ("active on some image so far"). The output's shape is [N, C, spatial...] for rank
// >= 2 (channel axis 1, every image of the batch N pooled) and one channel for rank < 2; it must be
// the same for every image.
class LayerAccumulator {
public:
    explicit LayerAccumulator(ActivationLayer layer);
    // Errors: a shape with a negative dimension, or one whose dimensions after the batch differ from
    // the first image's.
    Result<bool> add(const float* values, const std::vector<std::int64_t>& shape);
    // Counts of every image gathered elsewhere (the explorer's GPU, shaders/channel_stats.wgsl, with
    // this layer's inactive_region()): `images` images whose output had `shape`, one ChannelScan per
    // channel with its dead_units counted there. Replaces whatever add() gathered. Errors: a negative
    // dimension, or `channels` not one per channel of `shape`.
    Result<bool> set_totals(const std::vector<std::int64_t>& shape, int images, std::vector<ChannelScan> channels);
    LayerScan finish() const;
    const ActivationLayer& layer() const { return layer_; }

private:
    ActivationLayer layer_;
    std::vector<std::int64_t> shape_;
    int images_ = 0;
    std::int64_t channels_ = 0, positions_ = 0;
    std::vector<ChannelScan> counts_;
    std::vector<std::uint8_t> ever_active_; // one byte per unit [C, positions]
    bool totals_ = false;                   // counts_ came from set_totals, dead units included
};

} // namespace deadzone
