// core/'s telemetry format and dead-zone rules, without LibTorch (so it runs wherever core builds).
#include "deadzone/diagnostics.h"
#include "deadzone/telemetry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace deadzone {
namespace {

using namespace telemetry;

std::string small_run() {
    Header h;
    h.run_id = "r";
    h.variant = {"broken", "relu", 0.1, 0, 0.001};
    h.input_width = h.input_height = 64;
    h.num_classes = 1;
    h.class_names = {"person"};
    h.batch_size = 2;
    h.total_steps = 10;
    h.telemetry_every = 5;
    h.layers = {{"wh_head.relu0", "act", 8}, {"neck.up0.bn", "bn", 32}};
    h.config_json = R"({"--seed":"3"})";
    StepRecord s;
    s.step = 5;
    s.losses = {1.5, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()};
    s.lr = 0.01;
    s.grad_norm = 2;
    WhChannelRecord w;
    w.channel = 2;
    w.pre_min = -1;
    w.pre_max = 0.5;
    w.pre_hist = {-1, 0.5, {3, 0, 4}};
    w.post_frac_zero = 1;
    s.wh_channels = {w};
    BnRecord b;
    b.layer = "neck.up0.bn";
    b.channels = 32;
    b.gamma = {0, 1, 0.5};
    b.dead_gamma = {4, 9};
    s.bn = {b};
    s.activations = {{"wh_head.relu0", 0.25, 0.125}};
    Event e;
    e.step = 3;
    e.kind = "channel_death";
    e.channel = 2;
    Event n;
    n.step = 4;
    n.kind = "nan";
    n.component = "wh GIoU";
    n.stats = {{"loss_wh", std::numeric_limits<double>::quiet_NaN()}, {"wh_nan", 12}};
    return to_json_line(h) + "\n" + to_json_line(e) + "\n" + to_json_line(n) + "\n" + to_json_line(s) + "\n";
}

TEST(TelemetryFormat, RoundTripKeepsEveryField) {
    auto r = parse_telemetry(small_run());
    ASSERT_TRUE(r.ok()) << r.error();
    const telemetry::Run& run = r.value();
    EXPECT_EQ(run.header.variant.init_std, 0.001);
    EXPECT_EQ(run.header.class_names, std::vector<std::string>{"person"});
    ASSERT_EQ(run.header.layers.size(), 2u);
    EXPECT_EQ(run.header.layers[1].kind, "bn");
    EXPECT_NE(run.header.config_json.find("--seed"), std::string::npos);
    ASSERT_EQ(run.steps.size(), 1u);
    const StepRecord& s = run.steps[0];
    EXPECT_EQ(s.losses.heatmap, 1.5);
    EXPECT_TRUE(std::isnan(s.losses.wh));    // NaN -> null -> NaN
    EXPECT_TRUE(std::isnan(s.losses.total)); // Inf is not representable either: read back as NaN
    EXPECT_EQ(s.wh_channels[0].channel, 2);
    EXPECT_EQ(s.wh_channels[0].pre_hist.counts, (std::vector<std::int64_t>{3, 0, 4}));
    EXPECT_EQ(s.bn[0].dead_gamma, (std::vector<int>{4, 9}));
    EXPECT_EQ(s.activations[0].frac_dead_channels, 0.125);
    ASSERT_EQ(run.events.size(), 2u);
    EXPECT_EQ(run.events[1].component, "wh GIoU");
    EXPECT_EQ(run.events[1].stats.at("wh_nan"), 12);
    EXPECT_FALSE(run.end.has_value());
    // Killed run: the dead channel is replayed from the events.
    const auto dead = final_dead_channels(run);
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].since_step, 3);
}

TEST(TelemetryFormat, ErrorsAndTolerance) {
    const std::string text = small_run();
    EXPECT_FALSE(parse_telemetry("").ok());
    auto no_header = parse_telemetry(text.substr(text.find('\n') + 1));
    ASSERT_FALSE(no_header.ok());
    EXPECT_NE(no_header.error().find("header"), std::string::npos);
    std::string v2 = text;
    v2.replace(v2.find("\"version\":1"), 11, "\"version\":9");
    auto bad_version = parse_telemetry(v2);
    ASSERT_FALSE(bad_version.ok());
    EXPECT_NE(bad_version.error().find("version 9"), std::string::npos);
    // Missing required field: named, with the line.
    std::string no_lr = text;
    no_lr.replace(no_lr.find("\"lr\":"), 5, "\"xx\":");
    auto missing = parse_telemetry(no_lr);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("line 4"), std::string::npos) << missing.error();
    EXPECT_NE(missing.error().find("'lr'"), std::string::npos) << missing.error();
    // Wrong type is an error, not a crash.
    std::string wrong = text;
    wrong.replace(wrong.find("\"step\":5"), 8, "\"step\":\"5\"");
    EXPECT_FALSE(parse_telemetry(wrong).ok());
    // Truncated last line (no newline): tolerated, reported.
    auto cut = parse_telemetry(text.substr(0, text.size() - 40));
    ASSERT_TRUE(cut.ok()) << cut.error();
    EXPECT_TRUE(cut.value().truncated);
    EXPECT_EQ(cut.value().steps.size(), 0u);
    EXPECT_EQ(cut.value().events.size(), 2u);
    // Unknown record types are skipped with a warning (forward compatibility).
    auto extra = parse_telemetry(text + R"({"type":"future","step":1})" + "\n");
    ASSERT_TRUE(extra.ok());
    EXPECT_EQ(extra.value().warnings.size(), 1u);
}

TEST(Diagnostics, DeadZoneRules) {
    EXPECT_TRUE(bn_gamma_dead_zone(1e-4, -0.2));
    EXPECT_FALSE(bn_gamma_dead_zone(1e-4, 0.2));
    EXPECT_FALSE(bn_gamma_dead_zone(0.5, -0.2));
    EXPECT_TRUE(bn_running_dead_zone(0, 1e-5, -0.1));
    EXPECT_FALSE(bn_running_dead_zone(0, 0.5, -0.1));
    ChannelStats z;
    z.count = z.finite_count = 10;
    z.fraction_zero = 1.0;
    EXPECT_TRUE(channel_is_dead(z));
    z.fraction_zero = 0.9;
    EXPECT_FALSE(channel_is_dead(z));
    ChannelStats nan = z;
    nan.fraction_zero = 0.9;
    nan.nan_count = 1;
    nan.finite_count = 9;
    EXPECT_FALSE(channel_is_dead(nan));
}

} // namespace
} // namespace deadzone
