// What the explorer's replay computes from telemetry, in core/: columns, decimation for plots, axis
// ticks, death episodes and captions, BN dead-zone history, dead-unit levels.
#include "deadzone/axis_ticks.h"
#include "deadzone/channel_death.h"
#include "deadzone/decimate.h"
#include "deadzone/diagnostics.h"
#include "deadzone/run_columns.h"

#include "telemetry_fixture.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace deadzone {
namespace {

telemetry::Run parse(const std::string& text) {
    auto r = telemetry::parse_telemetry(text);
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? std::move(r).value() : telemetry::Run{};
}

TEST(RunColumns, ExtendAppendsOnlyNewRecords) {
    telemetry::Run run = parse(testing::dying_run(10, 4));
    telemetry::Run first = run;
    first.steps.resize(6);
    telemetry::RunColumns cols;
    telemetry::extend_columns(first, cols);
    ASSERT_EQ(cols.rows(), 6u);
    telemetry::extend_columns(run, cols);
    ASSERT_EQ(cols.rows(), 10u);
    for (std::size_t i = 0; i < run.steps.size(); ++i) {
        EXPECT_EQ(cols.step[i], run.steps[i].step);
        EXPECT_EQ(cols.of(telemetry::RunMetric::LossTotal)[i], run.steps[i].losses.total);
        EXPECT_EQ(cols.of(telemetry::WhMetric::PreMax, 0)[i], run.steps[i].wh_channels[0].pre_max);
        EXPECT_EQ(cols.of(telemetry::WhMetric::GradNorm, 3)[i], run.steps[i].wh_channels[3].grad_norm);
    }
    EXPECT_STREQ(telemetry::metric_info(telemetry::WhMetric::PreMax).name, "pre max");
}

TEST(RunColumns, RecordAtFindsTheLastRecordAtOrBefore) {
    telemetry::Run run = parse(testing::dying_run(5, 2));
    run.steps.erase(run.steps.begin() + 2); // steps 1, 2, 4, 5
    EXPECT_EQ(telemetry::record_at(run.steps, 0), 0u);
    EXPECT_EQ(telemetry::record_at(run.steps, 1), 0u);
    EXPECT_EQ(telemetry::record_at(run.steps, 3), 1u);
    EXPECT_EQ(telemetry::record_at(run.steps, 4), 2u);
    EXPECT_EQ(telemetry::record_at(run.steps, 99), 3u);
}

TEST(Decimate, MinMaxPerColumnMatchesBruteForce) {
    std::mt19937 rng(7);
    std::normal_distribution<double> noise;
    const std::size_t n = 100000;
    std::vector<double> x(n), y(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i), y[i] = noise(rng);
    y[54321] = 40.0; // a spike must survive
    y[77777] = std::numeric_limits<double>::quiet_NaN();
    const int W = 800;
    const auto cols = decimate_min_max(x.data(), y.data(), n, 0, n, W);
    ASSERT_EQ(cols.size(), static_cast<std::size_t>(W));
    int total = 0, flagged = 0;
    for (int c = 0; c < W; ++c) {
        double lo = INFINITY, hi = -INFINITY;
        bool nan = false;
        int count = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (std::min(W - 1, static_cast<int>(x[i] * W / n)) != c) continue;
            ++count;
            if (std::isnan(y[i])) nan = true;
            else lo = std::min(lo, y[i]), hi = std::max(hi, y[i]);
        }
        EXPECT_EQ(cols[c].count, count);
        EXPECT_EQ(cols[c].y_min, lo);
        EXPECT_EQ(cols[c].y_max, hi);
        EXPECT_EQ(cols[c].nonfinite, nan);
        total += cols[c].count;
        flagged += cols[c].nonfinite;
    }
    EXPECT_EQ(total, static_cast<int>(n));
    EXPECT_EQ(flagged, 1); // the NaN is never decimated away
    EXPECT_EQ(cols[static_cast<std::size_t>(54321.0 * W / n)].y_max, 40.0);
}

TEST(Decimate, ZoomedRangeIgnoresPointsOutside) {
    const std::vector<double> x = {1, 2, 3, 4, 5, 6}, y = {9, 1, 2, 3, 4, 9};
    const auto cols = decimate_min_max(x.data(), y.data(), x.size(), 2, 6, 2);
    ASSERT_EQ(cols.size(), 2u);
    EXPECT_EQ(cols[0].count, 2); // x = 2, 3
    EXPECT_EQ(cols[0].y_first, 1);
    EXPECT_EQ(cols[0].y_last, 2);
    EXPECT_EQ(cols[1].count, 2); // x = 4, 5 (6 is the open end)
    EXPECT_EQ(cols[1].y_max, 4);
    EXPECT_TRUE(decimate_min_max(x.data(), y.data(), x.size(), 3, 3, 10).empty());
}

TEST(AxisTicks, NiceLinearAndLogTicks) {
    const AxisTicks t = linear_ticks(0, 2000, 6);
    EXPECT_EQ(t.step, 500);
    EXPECT_EQ(t.values, (std::vector<double>{0, 500, 1000, 1500, 2000}));
    const AxisTicks s = linear_ticks(-0.013, 0.021, 5);
    EXPECT_DOUBLE_EQ(s.step, 0.01);
    ASSERT_EQ(s.values.size(), 4u);
    EXPECT_EQ(s.values[1], 0.0); // exactly zero, not 1e-18
    const AxisTicks l = log_ticks(3e-5, 20, 8);
    EXPECT_EQ(l.values, (std::vector<double>{1e-4, 1e-3, 1e-2, 1e-1, 1, 10}));
    EXPECT_FALSE(log_ticks(2, 5, 5).values.empty()); // under a decade: linear labels
    EXPECT_TRUE(linear_ticks(1, 1, 5).values.empty());
    EXPECT_TRUE(linear_ticks(0, INFINITY, 5).values.empty());
    EXPECT_EQ(format_tick(0.25, 0.05), "0.25");
    EXPECT_EQ(format_tick(1500, 500), "1500");
    EXPECT_EQ(format_tick(0.001, 10), "0.001");
    EXPECT_EQ(format_tick(1e-5, 1e-5), "1e-05");
}

TEST(ChannelDeath, EpisodesAndCaptionFromTheData) {
    const telemetry::Run run = parse(testing::dying_run(20, 2));
    const auto episodes = death_episodes(run);
    ASSERT_EQ(episodes.size(), 1u);
    EXPECT_EQ(episodes[0].channel, 0);
    EXPECT_EQ(episodes[0].died_at, 2);
    EXPECT_EQ(episodes[0].revived_at, -1);
    EXPECT_FALSE(channel_dead_at(episodes, 0, 1));
    EXPECT_TRUE(channel_dead_at(episodes, 0, 2));
    EXPECT_TRUE(channel_dead_at(episodes, 0, 20));
    EXPECT_FALSE(channel_dead_at(episodes, 1, 20));
    // The numbers are the record's at step 2: max -0.004 - 0.002, bias -0.005, weight std 0.0009.
    EXPECT_EQ(death_caption(run, episodes[0]),
              "left: pre-activation < 0 for every sample from step 2 (max -0.006, bias -0.005, weight std 0.0009); "
              "gradient 0 since");
}

TEST(ChannelDeath, RevivalIsShown) {
    const telemetry::Run run = parse(testing::dying_run(20, 3, 12));
    const auto episodes = death_episodes(run);
    ASSERT_EQ(episodes.size(), 1u);
    EXPECT_EQ(episodes[0].revived_at, 12);
    EXPECT_FALSE(channel_dead_at(episodes, 0, 12));
    const std::string caption = death_caption(run, episodes[0]);
    EXPECT_NE(caption.find("gradient 0 since; revived at step 12, pre-activation max 0.5"), std::string::npos) << caption;
}

TEST(Diagnostics, DeadLevelsAndBnHistory) {
    EXPECT_EQ(dead_level(0.0), DeadLevel::Ok);
    EXPECT_EQ(dead_level(0.099), DeadLevel::Ok);
    EXPECT_EQ(dead_level(0.1), DeadLevel::Warning);
    EXPECT_EQ(dead_level(0.5), DeadLevel::Critical);
    EXPECT_STREQ(dead_level_name(DeadLevel::Critical), "CRITICAL");
    const telemetry::Run run = parse(testing::dying_run(20, 3));
    EXPECT_EQ(bn_first_fired(run), (std::vector<std::int64_t>{10}));
}

} // namespace
} // namespace deadzone
