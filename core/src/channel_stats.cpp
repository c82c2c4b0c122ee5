#include "deadzone/channel_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

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

// Blocks of finite values take a fast path: one pass for min/max/sum/counts, the block's own M2 in a
// second (cache-hot) pass, then one merge into the running totals (Chan et al.'s pairwise update).
// Same accuracy as Welford's per-value update without its division per value. Each pass keeps
// kLanes independent partial results (value i goes to lane i % kLanes), combined in a fixed order at
// the end: the loops have no chain of dependent additions, the compiler turns them into SIMD, and
// the result is the same on every platform. The explorer computes these for every model output
// inside its drop-to-boxes latency budget. A block with a NaN or Inf in it goes value by value.
void ChannelStatsAccumulator::add(const float* values, std::int64_t n) {
    constexpr std::int64_t kBlock = 256;
    constexpr int kLanes = 4; // the combines below name the four lanes
    static_assert(kLanes == 4);
    for (std::int64_t start = 0; start < n; start += kBlock) {
        const float* v = values + start;
        const std::int64_t len = n - start < kBlock ? n - start : kBlock;
        float lo[kLanes], hi[kLanes];
        double sum[kLanes] = {};
        int zero = 0, positive = 0, nonfinite = 0; // at most kBlock each: 32-bit lanes
        for (int k = 0; k < kLanes; ++k) lo[k] = hi[k] = v[0];
        // Value i in lane i % kLanes: whole groups of kLanes, then the tail.
        const auto lane_pass = [&](const float* x, int k) {
            nonfinite += !(std::fabs(x[k]) <= std::numeric_limits<float>::max()); // NaN or +-Inf
            lo[k] = x[k] < lo[k] ? x[k] : lo[k];
            hi[k] = x[k] > hi[k] ? x[k] : hi[k];
            zero += x[k] == 0.0f;
            positive += x[k] > 0.0f;
            sum[k] += x[k];
        };
        const std::int64_t groups = len / kLanes * kLanes;
        for (std::int64_t i = 0; i < groups; i += kLanes)
            for (int k = 0; k < kLanes; ++k) lane_pass(v + i, k);
        for (std::int64_t i = groups; i < len; ++i) lane_pass(v + groups, static_cast<int>(i - groups));
        if (nonfinite > 0) {
            for (std::int64_t i = 0; i < len; ++i) add(v[i]);
            continue;
        }
        const float block_lo = std::min(std::min(lo[0], lo[1]), std::min(lo[2], lo[3]));
        const float block_hi = std::max(std::max(hi[0], hi[1]), std::max(hi[2], hi[3]));
        const double block_mean = ((sum[0] + sum[1]) + (sum[2] + sum[3])) / static_cast<double>(len);
        double m2[kLanes] = {};
        const auto lane_m2 = [&](const float* x, int k) {
            const double d = x[k] - block_mean;
            m2[k] += d * d;
        };
        for (std::int64_t i = 0; i < groups; i += kLanes)
            for (int k = 0; k < kLanes; ++k) lane_m2(v + i, k);
        for (std::int64_t i = groups; i < len; ++i) lane_m2(v + groups, static_cast<int>(i - groups));
        const double block_m2 = (m2[0] + m2[1]) + (m2[2] + m2[3]);
        count_ += len;
        zero_ += zero;
        positive_ += positive;
        if (finite_ == 0) {
            min_ = block_lo;
            max_ = block_hi;
        } else {
            min_ = block_lo < min_ ? block_lo : min_;
            max_ = block_hi > max_ ? block_hi : max_;
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
    return per_channel_stats(NcsView{tensor.data, 1, tensor.channels, static_cast<std::int64_t>(tensor.plane_size())});
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

BatchDeadUnits batch_dead_units(const float* data, int batch, std::int64_t channels, std::int64_t spatial, TensorLayout layout) {
    BatchDeadUnits r;
    if (batch <= 0 || channels <= 0 || spatial <= 0) return r;
    r.units = channels * spatial;
    r.channels = channels;
    // One byte per unit, set once the unit is non-zero in some sample: a branch-free OR over each
    // sample's contiguous values, which the compiler vectorises.
    std::vector<std::uint8_t> active(static_cast<std::size_t>(r.units), 0);
    std::uint8_t* a = active.data();
    for (int n = 0; n < batch; ++n) {
        const float* v = data + static_cast<std::int64_t>(n) * r.units;
        for (std::int64_t i = 0; i < r.units; ++i) a[i] |= static_cast<std::uint8_t>(!(v[i] == 0.0f));
    }
    std::vector<std::uint8_t> channel_active(static_cast<std::size_t>(channels), 0);
    for (std::int64_t i = 0; i < r.units; ++i) {
        if (a[i] == 0) ++r.dead_units;
        const std::int64_t c = layout == TensorLayout::ChannelsFirst ? i / spatial : i % channels;
        channel_active[static_cast<std::size_t>(c)] |= a[i];
    }
    for (std::uint8_t c : channel_active) r.dead_channels += c == 0;
    return r;
}

} // namespace deadzone
