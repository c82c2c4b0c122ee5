// core/'s telemetry format and dead-zone rules, without LibTorch (so it runs wherever core builds).
#include "deadzone/diagnostics.h"
#include "deadzone/telemetry.h"

#include "telemetry_fixture.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace deadzone {
namespace {

using namespace telemetry;
using testing::small_run;

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

// A header with the fields a parser requires.
Header minimal_header() {
    Header h;
    h.run_id = "r";
    h.input_width = h.input_height = 64;
    h.batch_size = 2;
    h.total_steps = 10;
    h.telemetry_every = 1;
    return h;
}

TEST(TelemetryFormat, TheHeadersDataRecordRoundTripsAndIsOptional) {
    Header h = minimal_header();
    DataInfo d;
    std::int64_t v = 1;
    for (const DataInfoField& f : kDataInfoFields) d.*f.member = v++ * 7; // every field a different value
    h.data = d;
    auto with = parse_telemetry(to_json_line(h) + "\n");
    ASSERT_TRUE(with.ok()) << with.error();
    ASSERT_TRUE(with.value().header.data.has_value());
    for (const DataInfoField& f : kDataInfoFields) EXPECT_EQ((*with.value().header.data).*f.member, d.*f.member) << f.name;
    EXPECT_NE(to_json_line(h).find("\"dropped_label_rows\":35"), std::string::npos) << to_json_line(h);
    h.data.reset();
    EXPECT_EQ(to_json_line(h).find("\"data\""), std::string::npos);
    auto without = parse_telemetry(to_json_line(h) + "\n");
    ASSERT_TRUE(without.ok()) << without.error();
    EXPECT_FALSE(without.value().header.data.has_value());
}

TEST(TelemetryFormat, TheWorldSizeRoundTripsAndOlderFilesReadAsOneProcess) {
    Header h = minimal_header();
    h.world_size = 2;
    auto two = parse_telemetry(to_json_line(h) + "\n");
    ASSERT_TRUE(two.ok()) << two.error();
    EXPECT_EQ(two.value().header.world_size, 2);
    // A header written before the field existed.
    std::string line = to_json_line(h);
    const std::string field = ",\"world_size\":2";
    ASSERT_NE(line.find(field), std::string::npos) << line;
    line.erase(line.find(field), field.size());
    auto old = parse_telemetry(line + "\n");
    ASSERT_TRUE(old.ok()) << old.error();
    EXPECT_EQ(old.value().header.world_size, 1);
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
    // A record with a missing required field is skipped and counted, named with its line.
    std::string no_lr = text;
    no_lr.replace(no_lr.find("\"lr\":"), 5, "\"xx\":");
    auto missing = parse_telemetry(no_lr);
    ASSERT_TRUE(missing.ok()) << missing.error();
    EXPECT_EQ(missing.value().steps.size(), 0u);
    EXPECT_EQ(missing.value().skipped_lines, 1);
    EXPECT_EQ(missing.value().first_skipped_line, 4);
    EXPECT_NE(missing.value().first_skip_reason.find("'lr'"), std::string::npos) << missing.value().first_skip_reason;
    // So is a wrong type: skipped, not a crash.
    std::string wrong = text;
    wrong.replace(wrong.find("\"step\":5"), 8, "\"step\":\"5\"");
    auto wrong_r = parse_telemetry(wrong);
    ASSERT_TRUE(wrong_r.ok());
    EXPECT_EQ(wrong_r.value().skipped_lines, 1);
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
