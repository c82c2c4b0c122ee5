#include "deadzone/channel_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace deadzone {
namespace {

TEST(ChannelStats, KnownValuesPerChannel) {
    // Two channels of a [2,2,2] tensor.
    const std::vector<float> data = {0,  1, 2, 3,   // channel 0
                                     -1, 0, 0, -5}; // channel 1
    const std::vector<ChannelStats> s = per_channel_stats(ChwView{data.data(), 2, 2, 2});
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].count, 4);
    EXPECT_EQ(s[0].min, 0.0f);
    EXPECT_EQ(s[0].max, 3.0f);
    EXPECT_DOUBLE_EQ(s[0].mean, 1.5);
    EXPECT_NEAR(s[0].std, std::sqrt(1.25), 1e-12);
    EXPECT_DOUBLE_EQ(s[0].fraction_zero, 0.25);
    EXPECT_DOUBLE_EQ(s[0].fraction_positive, 0.75);

    EXPECT_EQ(s[1].min, -5.0f);
    EXPECT_EQ(s[1].max, 0.0f);
    EXPECT_DOUBLE_EQ(s[1].mean, -1.5);
    EXPECT_DOUBLE_EQ(s[1].fraction_zero, 0.5);
    EXPECT_DOUBLE_EQ(s[1].fraction_positive, 0.0);
}

TEST(ChannelStats, DeadChannelIsAllZero) {
    const std::vector<float> data(64, 0.0f);
    const ChannelStats s = per_channel_stats(ChwView{data.data(), 1, 8, 8})[0];
    EXPECT_EQ(s.min, 0.0f);
    EXPECT_EQ(s.max, 0.0f);
    EXPECT_DOUBLE_EQ(s.fraction_zero, 1.0);
    EXPECT_DOUBLE_EQ(s.std, 0.0);
}

TEST(ChannelStats, NegativeZeroCountsAsZero) {
    ChannelStatsAccumulator acc;
    acc.add(-0.0f);
    acc.add(1.0f);
    EXPECT_DOUBLE_EQ(acc.finish().fraction_zero, 0.5);
}

TEST(ChannelStats, CountsNaNAndInfAndKeepsThemOutOfMoments) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    const std::vector<float> data = {1.0f, nan, 3.0f, inf, -inf, nan};
    ChannelStatsAccumulator acc;
    acc.add(data.data(), static_cast<std::int64_t>(data.size()));
    const ChannelStats s = acc.finish();
    EXPECT_EQ(s.count, 6);
    EXPECT_EQ(s.nan_count, 2);
    EXPECT_EQ(s.inf_count, 2);
    EXPECT_EQ(s.finite_count, 2);
    EXPECT_TRUE(s.has_nonfinite());
    EXPECT_EQ(s.min, 1.0f);
    EXPECT_EQ(s.max, 3.0f);
    EXPECT_DOUBLE_EQ(s.mean, 2.0);
    EXPECT_DOUBLE_EQ(s.std, 1.0);
    // 1, 3 and +inf are positive.
    EXPECT_DOUBLE_EQ(s.fraction_positive, 3.0 / 6.0);
}

TEST(ChannelStats, AllNaNChannelHasZeroMomentsNotGarbage) {
    const std::vector<float> data(4, std::numeric_limits<float>::quiet_NaN());
    const ChannelStats s = per_channel_stats(ChwView{data.data(), 1, 2, 2})[0];
    EXPECT_EQ(s.nan_count, 4);
    EXPECT_EQ(s.finite_count, 0);
    EXPECT_EQ(s.min, 0.0f);
    EXPECT_EQ(s.max, 0.0f);
    EXPECT_EQ(s.mean, 0.0);
    EXPECT_FALSE(std::isnan(s.std));
}

TEST(ChannelStats, OnePassStaysAccurateWithLargeOffset) {
    // Naive sum-of-squares loses all precision here; Welford keeps it.
    std::vector<float> data;
    for (int i = 0; i < 100000; ++i) data.push_back(1.0e4f + static_cast<float>(i % 2));
    const ChannelStats s = per_channel_stats(ChwView{data.data(), 1, 1, static_cast<int>(data.size())})[0];
    EXPECT_NEAR(s.mean, 10000.5, 1e-6);
    EXPECT_NEAR(s.std, 0.5, 1e-6);
}

TEST(ChannelStats, BlockPathAgreesWithValueByValue) {
    // add(values, n) merges whole blocks; add(v) is the per-value reference. 1000 values span
    // several blocks and a short tail; one block holds a NaN, an Inf and zeros (the slow path).
    std::vector<float> data;
    for (int i = 0; i < 1000; ++i) data.push_back(i % 7 == 0 ? 0.0f : 3.0f + std::sin(0.37f * i) * (i % 13));
    data[600] = std::numeric_limits<float>::quiet_NaN();
    data[601] = std::numeric_limits<float>::infinity();
    ChannelStatsAccumulator blocks, values;
    blocks.add(data.data(), 300); // a split that is not on a block boundary
    blocks.add(data.data() + 300, static_cast<std::int64_t>(data.size()) - 300);
    for (float v : data) values.add(v);
    const ChannelStats a = blocks.finish(), b = values.finish();
    EXPECT_EQ(a.count, b.count);
    EXPECT_EQ(a.finite_count, b.finite_count);
    EXPECT_EQ(a.nan_count, 1);
    EXPECT_EQ(a.inf_count, 1);
    EXPECT_EQ(a.min, b.min);
    EXPECT_EQ(a.max, b.max);
    EXPECT_NEAR(a.mean, b.mean, 1e-12 * std::fabs(b.mean));
    EXPECT_NEAR(a.std, b.std, 1e-12 * b.std);
    EXPECT_EQ(a.fraction_zero, b.fraction_zero);
    EXPECT_EQ(a.fraction_positive, b.fraction_positive);
    EXPECT_GT(a.fraction_zero, 0.1); // the zeros were counted, not skipped
}

TEST(ChannelStats, BlockPathAgreesWithValueByValueForEveryTailLength) {
    // The block path keeps four lanes and finishes a block's last len % 4 values separately: every
    // tail length, single values and a block plus one must match the per-value reference.
    for (std::int64_t n : {1, 2, 3, 4, 5, 6, 7, 255, 257, 1001}) {
        std::vector<float> data;
        for (std::int64_t i = 0; i < n; ++i)
            data.push_back(i % 5 == 3 ? 0.0f : -2.0f + std::cos(0.71f * static_cast<float>(i)) * static_cast<float>(i % 11));
        data.back() = 50.0f + static_cast<float>(n); // the maximum sits in the tail
        data.front() = -60.0f;                       // the minimum in the first lane
        ChannelStatsAccumulator blocks, values;
        blocks.add(data.data(), n);
        for (float v : data) values.add(v);
        const ChannelStats a = blocks.finish(), b = values.finish();
        EXPECT_EQ(a.count, n);
        EXPECT_EQ(a.min, -60.0f) << n;
        EXPECT_EQ(a.max, n > 1 ? 50.0f + static_cast<float>(n) : -60.0f) << n; // n == 1: one value, both
        EXPECT_NEAR(a.mean, b.mean, 1e-12 * std::fabs(b.mean) + 1e-15) << n;
        EXPECT_NEAR(a.std, b.std, 1e-12 * b.std + 1e-15) << n;
        EXPECT_EQ(a.fraction_zero, b.fraction_zero) << n;
        EXPECT_EQ(a.fraction_positive, b.fraction_positive) << n;
    }
}

TEST(ChannelStats, BatchedViewPoolsOverSamples) {
    // [N=2, C=2, S=2]
    const std::vector<float> data = {1, 2, 10, 20,  // sample 0: c0, c1
                                     3, 4, 30, 40}; // sample 1
    const std::vector<ChannelStats> s = per_channel_stats(NcsView{data.data(), 2, 2, 2});
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].count, 4);
    EXPECT_DOUBLE_EQ(s[0].mean, 2.5);
    EXPECT_EQ(s[1].min, 10.0f);
    EXPECT_EQ(s[1].max, 40.0f);
    EXPECT_DOUBLE_EQ(s[1].mean, 25.0);
}

// A unit is dead when it is zero in every sample; -0 is zero, NaN is not.
TEST(BatchDeadUnits, KnownCountsChannelsFirst) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    // [N=2, C=3, S=2]: c0 all zero (dead channel), c1 unit 0 zero in both samples (dead), unit 1
    // alive in sample 1; c2 holds -0 and NaN: the -0 unit is dead, the NaN unit is not.
    const std::vector<float> data = {0, 0, 0, 0, -0.0f, nan, //
                                     0, 0, 0, 7, 0,     0};
    const BatchDeadUnits d = batch_dead_units(data.data(), 2, 3, 2, TensorLayout::ChannelsFirst);
    EXPECT_EQ(d.units, 6);
    EXPECT_EQ(d.dead_units, 4); // c0 x2, c1 unit 0, c2 unit 0
    EXPECT_EQ(d.channels, 3);
    EXPECT_EQ(d.dead_channels, 1);
    EXPECT_DOUBLE_EQ(d.fraction_dead_units(), 4.0 / 6.0);
    EXPECT_DOUBLE_EQ(d.fraction_dead_channels(), 1.0 / 3.0);
}

// The same tensor stored channels-last ([N, S, C]) gives the same counts.
TEST(BatchDeadUnits, ChannelsLastEqualsChannelsFirstOnRandomTensors) {
    std::uint32_t seed = 12345;
    auto next = [&seed] { return seed = seed * 1664525u + 1013904223u; };
    for (int trial = 0; trial < 50; ++trial) {
        const int n = 1 + static_cast<int>(next() % 4), c = 1 + static_cast<int>(next() % 9);
        const std::int64_t s = 1 + static_cast<std::int64_t>(next() % 13);
        std::vector<float> nchw(static_cast<std::size_t>(n * c * s)), nhwc(nchw.size());
        for (auto& v : nchw) v = next() % 3 == 0 ? static_cast<float>(next() % 5) - 2.0f : 0.0f; // mostly zero
        for (int b = 0; b < n; ++b)
            for (int ch = 0; ch < c; ++ch)
                for (std::int64_t p = 0; p < s; ++p)
                    nhwc[static_cast<std::size_t>((b * s + p) * c + ch)] = nchw[static_cast<std::size_t>((b * c + ch) * s + p)];
        // Brute force: a unit is dead when no sample has a non-zero value there.
        std::int64_t dead_units = 0, dead_channels = 0;
        for (int ch = 0; ch < c; ++ch) {
            std::int64_t dead_here = 0;
            for (std::int64_t p = 0; p < s; ++p) {
                bool any = false;
                for (int b = 0; b < n; ++b) any = any || nchw[static_cast<std::size_t>((b * c + ch) * s + p)] != 0.0f;
                dead_here += !any;
            }
            dead_units += dead_here;
            dead_channels += dead_here == s;
        }
        const BatchDeadUnits first = batch_dead_units(nchw.data(), n, c, s, TensorLayout::ChannelsFirst);
        const BatchDeadUnits last = batch_dead_units(nhwc.data(), n, c, s, TensorLayout::ChannelsLast);
        EXPECT_EQ(first.dead_units, dead_units) << trial;
        EXPECT_EQ(first.dead_channels, dead_channels) << trial;
        EXPECT_EQ(last.dead_units, dead_units) << trial;
        EXPECT_EQ(last.dead_channels, dead_channels) << trial;
    }
}

TEST(BatchDeadUnits, EmptyInputCountsNothing) {
    const BatchDeadUnits d = batch_dead_units(nullptr, 0, 4, 10, TensorLayout::ChannelsFirst);
    EXPECT_EQ(d.units, 0);
    EXPECT_EQ(d.dead_units, 0);
    EXPECT_EQ(d.fraction_dead_channels(), 0.0);
}

} // namespace
} // namespace deadzone
