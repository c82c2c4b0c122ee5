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

// Blocks of finite values take a fast path: plain min/max/sum loops over the block, its own mean and
// M2 in a second (cache-hot) pass, then one merge into the running totals (Chan et al.'s pairwise
// update). Same accuracy as Welford's per-value update without its division per value; the explorer
// computes these for every model output inside its drop-to-boxes latency budget. A block with a NaN
// or Inf in it goes value by value.
void ChannelStatsAccumulator::add(const float* values, std::int64_t n) {
    constexpr std::int64_t kBlock = 256;
    for (std::int64_t start = 0; start < n; start += kBlock) {
        const float* v = values + start;
        const std::int64_t len = n - start < kBlock ? n - start : kBlock;
        bool finite = true;
        for (std::int64_t i = 0; i < len; ++i) finite &= std::isfinite(v[i]);
        if (!finite) {
            for (std::int64_t i = 0; i < len; ++i) add(v[i]);
            continue;
        }
        float lo = v[0], hi = v[0];
        std::int64_t zero = 0, positive = 0;
        double sum = 0.0;
        for (std::int64_t i = 0; i < len; ++i) {
            lo = v[i] < lo ? v[i] : lo;
            hi = v[i] > hi ? v[i] : hi;
            zero += v[i] == 0.0f;
            positive += v[i] > 0.0f;
            sum += v[i];
        }
        const double block_mean = sum / static_cast<double>(len);
        double block_m2 = 0.0;
        for (std::int64_t i = 0; i < len; ++i) {
            const double d = v[i] - block_mean;
            block_m2 += d * d;
        }
        count_ += len;
        zero_ += zero;
        positive_ += positive;
        if (finite_ == 0) {
            min_ = lo;
            max_ = hi;
        } else {
            min_ = lo < min_ ? lo : min_;
            max_ = hi > max_ ? hi : max_;
        }
        const double total = static_cast<double>(finite_ + len);
        const double delta = block_mean - mean_;
        mean_ += delta * static_cast<double>(len) / total;
        m2_ += block_m2 + delta * delta * static_cast<double>(finite_) * static_cast<double>(len) / total;
        finite_ += len;
    }
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
