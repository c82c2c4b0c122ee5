// What-if: a small deterministic simulation of a TTFNet wh head's last layer, to try the settings
// that kill or save a channel without training a detector (the explorer's gradient-flow view).
//
// The model is the wh head's final 1x1 conv and activation on D input features, four output
// channels (left, top, right, bottom):
//     z_c = w_c · x + b_c,   distance_c = act(z_c) * wh_offset_base          (pixels)
// decoded at an anchor as TTFNet does (box = anchor -/+ distances, the anchor the cell's top-left
// corner, stride 4) and trained with SGD + momentum on the GIoU loss against the anchor's target box
// (giou.h), biases at twice the learning rate (TTFNet's paramwise rule), no weight decay.
//
// Each step draws a batch of anchors: target boxes like the shipped synthetic data (height
// log-uniform over 5..77 px, width = height / U[1, 3.5]: mostly narrower than tall), anchors the
// cells within TTFNet's beta = 0.54 region around the box centre, and input features
// x_j = max(0, mu + sigma * N(0, 1)) — the ReLU output of the layer below. sigma is the feature
// scale; mu starts at 0 and drifts by `feature_drift` sigmas every 100 steps (the layers below
// keep learning). The features carry no information about the box, so the channels can only learn
// their bias: the simulation is about the dead zone's dynamics, not about detection.
//
// What it reproduces (tests/core/channel_sim_test.cpp): with TTFNet's init (weights std 0.001,
// bias 0) on tiny features, the first boxes are 1x1 and the GIoU's enclosing term pushes the left
// distance down (anchors left of narrow boxes); momentum carries the bias below every sample's
// w·x, ReLU passes no gradient from then on, and the channel never returns. A positive initial bias,
// LeakyReLU, Softplus, or a spread of w·x larger than the bias's fall keeps it alive.
#pragma once

#include "deadzone/activation.h"

#include <array>
#include <cstdint>
#include <vector>

namespace deadzone {

struct ChannelSimConfig {
    Activation activation{ActivationKind::ReLU, 0};
    double init_std = 0.001; // weights drawn from N(0, init_std), as TTFNet's wh convs
    double bias_init = 0.0;  // every channel's initial bias
    double lr = 0.01;        // SGD learning rate of the weights; biases get 2 * lr
    double momentum = 0.9;
    double feature_scale = 1e-4; // sigma of the input features (see above)
    double feature_drift = 0.0;  // change of the features' mean per 100 steps, in sigmas
    int feature_dim = 32;        // D: channels of the wh head before its last conv
    int steps = 300;
    int batch = 64; // anchors per step
    double wh_offset_base = 16.0;
    int stride = 4;
    std::uint64_t seed = 1;
};

constexpr int kSimChannels = 4; // left, top, right, bottom

// One simulated step: the batch's statistics before the update, the parameters after it (the same
// order as a telemetry step record).
struct ChannelSimStep {
    int step = 0;                            // 1-based
    double loss = 0;                         // mean GIoU loss over the batch
    std::array<double, kSimChannels> bias{}; // after the update
    std::array<double, kSimChannels> pre_min{}, pre_max{}, pre_mean{};
    std::array<double, kSimChannels> share{};     // fraction of the batch with act'(z) != 0
    std::array<double, kSimChannels> grad_norm{}; // ||d loss / d (w_c, b_c)||
    std::array<double, kSimChannels> distance{};  // mean predicted distance, pixels
    std::vector<float> pre;                       // z, kSimChannels x batch (channel-major)
};

struct ChannelSimResult {
    std::vector<ChannelSimStep> steps;
    // First step from which the channel passed no gradient (act'(z) == 0) for any sample of any step
    // up to the last simulated one; -1 when it passed some gradient at the last step. (The trainer's
    // channel_death looks at the output being 0 instead; for ReLU the two are the same.)
    std::array<int, kSimChannels> dead_since{-1, -1, -1, -1};
    std::array<double, kSimChannels> final_distance{}; // mean predicted distance at the last step
};

// Runs the simulation. Deterministic: the same config gives the same result every time on a
// platform (its own generator, no std:: distributions); across platforms the math library's last
// bits may differ. Out-of-range settings are clamped: steps to 1..5000, batch to 1..1024,
// feature_dim to 1..256, stride to >= 1, negative init_std/feature_scale/lr to 0, momentum to
// 0..0.999. bias_init, feature_drift and wh_offset_base are used as given (non-finite values give
// non-finite results).
ChannelSimResult simulate_wh_head(const ChannelSimConfig& config);

// The feature scale sigma (ChannelSimConfig::feature_scale) that gives a batch's pre-activations
// z = w·x + b the spread a run recorded. With D features and weights of standard deviation
// weight_std, std(z) = |w| std(x) ~ weight_std sqrt(D) std(x), and for x = max(0, sigma N(0, 1))
// std(x) = sigma sqrt(1/2 - 1/(2 pi)) ~ 0.584 sigma (the rectified normal's variance). pre_std and
// weight_std as the telemetry records them for one channel. Returns 0 when an input is not positive
// and finite.
double feature_scale_for_spread(double pre_std, double weight_std, int feature_dim);

} // namespace deadzone
