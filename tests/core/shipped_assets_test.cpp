// The shipped telemetry (assets/telemetry, written by scripts/make_assets.sh) parses with core's
// parser and tells the story the README tells: the broken run lost its left wh channel, the fixes
// trained with the same recipe lost none. Catches assets regenerated with other settings, thinned
// wrongly, or truncated.
#include "deadzone/telemetry.h"

#include <gtest/gtest.h>

#include <string>

namespace deadzone {
namespace {

telemetry::Run load(const std::string& preset) {
    const std::string path = std::string(DEADZONE_ASSETS_DIR) + "/telemetry/" + preset + ".jsonl";
    Result<telemetry::Run> run = telemetry::parse_telemetry_file(path);
    if (!run) ADD_FAILURE() << path << ": " << run.error();
    return run ? std::move(run).value() : telemetry::Run{};
}

TEST(ShippedTelemetry, BrokenLostItsLeftChannelAndTheFixesLostNone) {
    for (const char* preset : {"broken", "leaky", "bias-init", "softplus", "leaky-bias"}) {
        SCOPED_TRACE(preset);
        const telemetry::Run run = load(preset);
        EXPECT_EQ(run.header.variant.name, preset);
        EXPECT_FALSE(run.truncated);
        ASSERT_TRUE(run.end.has_value());
        EXPECT_EQ(run.end->status, "completed");
        EXPECT_EQ(run.end->step, run.header.total_steps);
        ASSERT_GE(run.steps.size(), 10u);
        // Thinned to every telemetry_every steps, first record at step 1, last at the final step.
        EXPECT_EQ(run.steps.front().step, 1);
        EXPECT_EQ(run.steps.back().step, run.header.total_steps);
        for (size_t i = 1; i < run.steps.size(); ++i)
            EXPECT_EQ(run.steps[i].step % run.header.telemetry_every, 0) << "step " << run.steps[i].step;
        if (std::string(preset) == "broken") {
            ASSERT_EQ(run.end->dead_channels.size(), 1u);
            EXPECT_EQ(run.end->dead_channels[0].channel, 0); // left
            // In the last record the left channel's output is zero everywhere.
            ASSERT_EQ(run.steps.back().wh_channels.size(), 4u);
            EXPECT_EQ(run.steps.back().wh_channels[0].post_max, 0.0);
            EXPECT_EQ(run.steps.back().wh_channels[0].post_frac_zero, 1.0);
        } else {
            EXPECT_TRUE(run.end->dead_channels.empty());
        }
    }
}

} // namespace
} // namespace deadzone
