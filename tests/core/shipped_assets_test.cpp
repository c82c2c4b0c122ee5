// The shipped telemetry (assets/telemetry, written by scripts/make_assets.sh) parses with core's
// parser and tells the story the README tells: each broken run (synthetic and street) lost its left
// wh channel, the fixes trained with the same recipe lost none. Catches assets regenerated with other
// settings, thinned wrongly, or truncated. The street footage's hand-checked labels (assets/street)
// are a usable evaluation set: enough frames, all from the held-out part, every row a box.
#include "deadzone/telemetry.h"

#include "deadzone/yolo_labels.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
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
    // Each shipped run: its file, the preset it was trained with, whether its left channel died.
    struct Shipped {
        const char* file;
        const char* preset;
        bool dies;
    };
    for (const Shipped& shipped :
         {Shipped{"broken", "broken", true}, Shipped{"leaky", "leaky", false}, Shipped{"bias-init", "bias-init", false},
          Shipped{"street-broken", "broken", true}, Shipped{"street-leaky", "leaky", false}}) {
        SCOPED_TRACE(shipped.file);
        const telemetry::Run run = load(shipped.file);
        EXPECT_EQ(run.header.variant.name, shipped.preset);
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
        if (shipped.dies) {
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

TEST(ShippedAssets, StayWithinTheirBudget) {
    // assets/README.md: the repository's shipped assets are kept under 40 MB (10^6 bytes), so a
    // clone stays small; a new model has to make room.
    std::uintmax_t bytes = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(DEADZONE_ASSETS_DIR))
        if (entry.is_regular_file()) bytes += entry.file_size();
    EXPECT_LT(bytes, 40'000'000u) << bytes << " bytes in assets/";
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(ShippedStreetLabels, AtLeast30HeldOutFramesWithEveryRowABox) {
    // scripts/street_data.py: frames [600, 795) are the validation part; 768x576; one class.
    constexpr int kValStart = 600, kFrames = 795, kWidth = 768, kHeight = 576;
    const std::filesystem::path dir = std::filesystem::path(DEADZONE_ASSETS_DIR) / "street" / "checked";
    int frames = 0, boxes = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() != ".txt") continue;
        SCOPED_TRACE(name);
        ASSERT_EQ(name.rfind("vtest-", 0), 0u);
        const int frame = std::stoi(name.substr(6, 6));
        EXPECT_GE(frame, kValStart);
        EXPECT_LT(frame, kFrames);
        Result<YoloLabels> labels = parse_yolo_labels(read_text(entry.path()), kWidth, kHeight, 1);
        ASSERT_TRUE(labels) << labels.error();
        EXPECT_TRUE(labels.value().dropped.empty()) << labels.value().dropped.front().reason;
        for (const EvalBox& b : labels.value().boxes) EXPECT_GE(b.y2 - b.y1, 10.0f) << "a box under 10 px tall";
        boxes += static_cast<int>(labels.value().boxes.size());
        ++frames;
    }
    EXPECT_GE(frames, 30);
    EXPECT_GE(boxes, 3 * frames); // 6-9 people are in every checked frame
    // The explorer's street samples carry these labels unchanged.
    for (const char* frame : {"000696", "000780"})
        EXPECT_EQ(read_text(std::filesystem::path(DEADZONE_ASSETS_DIR) / "images" / (std::string("street-") + frame + ".txt")),
                  read_text(dir / (std::string("vtest-") + frame + ".txt")));
}

} // namespace
} // namespace deadzone
