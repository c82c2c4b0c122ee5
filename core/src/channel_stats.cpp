#include "deadzone/channel_stats.h"

#include <cmath>

namespace deadzone {

void ChannelStatsAccumulator::add(float v) {
    ++count_;
    if (std::isnan(v)) {
        ++nan_;
        return;
    }
    if (std::isinf(v)) {
        ++inf_;
        if (v > 0) ++positive_;
        return;
    }
    if (v == 0.0f) ++zero_;
    else if (v > 0.0f) ++positive_;
    if (finite_ == 0) {
        min_ = max_ = v;
    } else {
        min_ = v < min_ ? v : min_;
        max_ = v > max_ ? v : max_;
    }
    ++finite_;
    const double delta = v - mean_;
    mean_ += delta / static_cast<double>(finite_);
    m2_ += delta * (v - mean_);
}

void ChannelStatsAccumulator::add(const float* values, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) add(values[i]);
}

ChannelStats ChannelStatsAccumulator::finish() const {
    ChannelStats s;
    s.count = count_;
    s.finite_count = finite_;
    s.nan_count = nan_;
    s.inf_count = inf_;
    if (finite_ > 0) {
        s.min = min_;
        s.max = max_;
        s.mean = mean_;
        s.std = std::sqrt(m2_ / static_cast<double>(finite_));
    }
    if (count_ > 0) {
        s.fraction_zero = static_cast<double>(zero_) / static_cast<double>(count_);
        s.fraction_positive = static_cast<double>(positive_) / static_cast<double>(count_);
    }
    return s;
}

std::vector<ChannelStats> per_channel_stats(const ChwView& tensor) {
    return per_channel_stats(NcsView{tensor.data, 1, tensor.channels,
                                     static_cast<std::int64_t>(tensor.plane_size())});
}

std::vector<ChannelStats> per_channel_stats(const NcsView& tensor) {
    std::vector<ChannelStats> out;
    out.reserve(static_cast<std::size_t>(tensor.channels));
    for (int c = 0; c < tensor.channels; ++c) {
        ChannelStatsAccumulator acc;
        for (int n = 0; n < tensor.batch; ++n) acc.add(tensor.plane(n, c), tensor.spatial);
        out.push_back(acc.finish());
    }
    return out;
}

} // namespace deadzone
