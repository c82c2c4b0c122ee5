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
    const std::string path = std::string(DEADZONE_ASSETS_DIR) + "/telemetry/" + preset + ".jsonl.gz";
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
        EXPECT_EQ(run.end->status, telemetry::RunStatus::Completed);
        EXPECT_EQ(run.end->step, run.header.total_steps);
        ASSERT_GE(run.steps.size(), 10u);
        // Every step up to telemetry_dense_steps (the replay shows a death step by step), then thinned
        // to every telemetry_every steps; the last record is the final step.
        ASSERT_GE(run.header.telemetry_dense_steps, 100);
        ASSERT_GT(run.steps.size(), static_cast<size_t>(run.header.telemetry_dense_steps));
        for (int i = 0; i < run.header.telemetry_dense_steps; ++i) ASSERT_EQ(run.steps[i].step, i + 1);
        EXPECT_EQ(run.steps.back().step, run.header.total_steps);
        for (size_t i = run.header.telemetry_dense_steps; i + 1 < run.steps.size(); ++i)
            EXPECT_EQ(run.steps[i].step % run.header.telemetry_every, 0) << "step " << run.steps[i].step;
        if (std::string(preset) == "broken") {
            ASSERT_EQ(run.end->dead_channels.size(), 1u);
            EXPECT_EQ(run.end->dead_channels[0].channel, 0); // left
            // The death is inside the dense steps, so the replay has the record of the death step
            // itself and of the step before it, when the channel was still alive.
            const std::int64_t died = run.end->dead_channels[0].since_step;
            ASSERT_LT(died, run.header.telemetry_dense_steps);
            ASSERT_GE(died, 2);
            EXPECT_GT(run.steps[died - 2].wh_channels[0].post_max, 0.0);
            EXPECT_EQ(run.steps[died - 1].wh_channels[0].post_max, 0.0);
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
