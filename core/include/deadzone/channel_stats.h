// Per-channel statistics over a tensor, computed in one pass.
//
// These numbers are what DeadZone shows for every wh channel ("min=0.000 max=0.000 <- DEAD"), so
// the trainer's telemetry, the eval CLI and the browser all compute them here.
#pragma once

#include "deadzone/tensor_view.h"

#include <cstdint>
#include <vector>

namespace deadzone {

struct ChannelStats {
    std::int64_t count = 0; // all values seen, finite or not
    std::int64_t finite_count = 0;
    std::int64_t nan_count = 0;
    std::int64_t inf_count = 0; // +Inf and -Inf
    // Over finite values only; all zero when there are none.
    float min = 0.0f;
    float max = 0.0f;
    double mean = 0.0;
    double std = 0.0; // population standard deviation
    // Over all values: a NaN is neither zero nor positive.
    double fraction_zero = 0.0; // exactly 0 (+0 or -0)
    double fraction_positive = 0.0;

    bool has_nonfinite() const { return nan_count + inf_count > 0; }
};

// Accumulates one channel's statistics over one pass of its values. Mean and variance use Welford's
// update (one value) or Chan's pairwise merge (a block of values), so a single pass stays accurate
// even for millions of values with a large offset.
class ChannelStatsAccumulator {
public:
    void add(float v);
    void add(const float* values, std::int64_t n);
    ChannelStats finish() const;

private:
    std::int64_t count_ = 0, finite_ = 0, nan_ = 0, inf_ = 0, zero_ = 0, positive_ = 0;
    float min_ = 0.0f, max_ = 0.0f;
    double mean_ = 0.0, m2_ = 0.0;
};

// One ChannelStats per channel of a [C,H,W] tensor.
std::vector<ChannelStats> per_channel_stats(const ChwView& tensor);

// One ChannelStats per channel of an [N,C,S] tensor, pooled over the batch and spatial positions.
std::vector<ChannelStats> per_channel_stats(const NcsView& tensor);

// Dead units of one activation's output over a batch, the telemetry's frac_dead_units and
// frac_dead_channels (telemetry.h): a unit (channel, spatial position) is dead when its value is
// exactly zero (+0 or -0) in every sample of the batch, a NaN never being zero; a channel is dead
// when all its units are. Runs on every recorded training step, so it is one pass over the values.
struct BatchDeadUnits {
    std::int64_t units = 0, dead_units = 0; // units = channels x spatial
    std::int64_t channels = 0, dead_channels = 0;

    double fraction_dead_units() const { return units > 0 ? static_cast<double>(dead_units) / units : 0.0; }
    double fraction_dead_channels() const { return channels > 0 ? static_cast<double>(dead_channels) / channels : 0.0; }
};

// How one sample's values are laid out in memory: [C, S] (NCHW tensors) or [S, C] (channels-last,
// NHWC).
enum class TensorLayout { ChannelsFirst, ChannelsLast };

// data: batch x channels x spatial floats, one sample after another, each sample in `layout`.
// An empty batch or tensor gives all counts 0.
BatchDeadUnits batch_dead_units(const float* data, int batch, std::int64_t channels, std::int64_t spatial, TensorLayout layout);

} // namespace deadzone
