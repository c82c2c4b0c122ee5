#include "deadzone/prediction_dump.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace deadzone {
namespace {

TEST(PredictionDump, DeadChannelLineIsExactlyTheIssueFormat) {
    // Channel 0 all zeros (dead after the ReLU), the others live.
    std::vector<float> data(4 * 2 * 2, 0.0f);
    for (int i = 4; i < 16; ++i) data[static_cast<size_t>(i)] = static_cast<float>(i);
    const auto stats = per_channel_stats(ChwView{data.data(), 4, 2, 2});
    const std::string dump = format_wh_dump(stats);
    EXPECT_EQ(dump, "wh channel 0 (left): min=0.000, max=0.000, mean=0.000  <- DEAD\n"
                    "wh channel 1 (top): min=4.000, max=7.000, mean=5.500\n"
                    "wh channel 2 (right): min=8.000, max=11.000, mean=9.500\n"
                    "wh channel 3 (bottom): min=12.000, max=15.000, mean=13.500\n"
                    "wh fraction zero: left=1.000, top=0.000, right=0.000, bottom=0.000\n");
}

TEST(PredictionDump, FractionZeroLineCountsExactZerosPerChannel) {
    // Channel 0: 3 of 4 zero; channel 1: none; the pre-activation label is kept.
    const std::vector<float> data{0.0f, 0.0f, 0.0f, 2.0f, 1.0f, -1.0f, 3.0f, 4.0f};
    const auto stats = per_channel_stats(ChwView{data.data(), 2, 2, 2});
    EXPECT_EQ(format_fraction_zero_line("wh_pre", stats), "wh_pre fraction zero: left=0.750, top=0.000");
    EXPECT_NE(format_wh_pre_dump(stats).find("wh_pre fraction zero: left=0.750, top=0.000\n"), std::string::npos);
}

TEST(PredictionDump, ThreeDecimalsAndNoNegativeZero) {
    EXPECT_EQ(format_fixed3(1.23456), "1.235");
    EXPECT_EQ(format_fixed3(-0.0001), "0.000");
    EXPECT_EQ(format_fixed3(-2.5), "-2.500");
    EXPECT_EQ(format_fixed3(std::numeric_limits<double>::quiet_NaN()), "nan");
}

TEST(PredictionDump, PreActivationIsNeverMarkedDead) {
    std::vector<float> data(4, -3.0f);
    const auto stats = per_channel_stats(ChwView{data.data(), 4, 1, 1});
    const std::string dump = format_wh_pre_dump(stats);
    EXPECT_EQ(dump.find("DEAD"), std::string::npos);
    EXPECT_NE(dump.find("wh_pre channel 3 (bottom): min=-3.000, max=-3.000, mean=-3.000\n"), std::string::npos);
}

TEST(PredictionDump, NonFiniteChannelIsBrokenNotDead) {
    std::vector<float> data{0.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f, 0.0f};
    const auto stats = per_channel_stats(ChwView{data.data(), 1, 2, 2});
    const std::string line = format_channel_line("wh", 0, stats[0], false);
    EXPECT_EQ(line, "wh channel 0 (left): min=0.000, max=0.000, mean=0.000 (non-finite: 1 NaN, 0 Inf)");
    EXPECT_EQ(format_wh_dump(stats).find("DEAD"), std::string::npos);
}

TEST(PredictionDump, FinalConvAndDetections) {
    EXPECT_EQ(format_final_conv({0.001, 0.25}, {-5.0, 0.1}), "wh_out channel 0 (left): weight std=0.001, bias=-5.000\n"
                                                             "wh_out channel 1 (top): weight std=0.25, bias=0.100\n");
    Detection d;
    d.x1 = 10, d.y1 = 20, d.x2 = 50, d.y2 = 90, d.score = 0.9f, d.class_id = 1, d.center_x = 30, d.center_y = 55;
    EXPECT_EQ(format_detections({d}, {"person", "car"}),
              "det 0: class=car score=0.900 box=(10.000, 20.000, 50.000, 90.000) centre=(30.000, 55.000)\n");
    d.class_id = 5;
    EXPECT_NE(format_detections({d}, {"person"}).find("class=class5"), std::string::npos);
    EXPECT_EQ(wh_channel_name(7), std::string("?"));
}

TEST(PredictionDump, DecodedSectionHasTheHeaderTheDetectionsAndANonFiniteWarning) {
    DecodeResult r;
    Detection d;
    d.x1 = 1, d.y1 = 2, d.x2 = 3, d.y2 = 4, d.score = 0.5f, d.center_x = 2, d.center_y = 3;
    r.detections = {d};
    DecodeParams params;
    params.score_threshold = 0.3f;
    params.top_k = 7;
    EXPECT_EQ(format_decoded(r, params, {"person"}),
              "detections: 1 (score >= 0.300, top 7)\n"
              "det 0: class=person score=0.500 box=(1.000, 2.000, 3.000, 4.000) centre=(2.000, 3.000)\n");
    r.nonfinite_heatmap = 2;
    r.dropped_peaks = 1;
    EXPECT_NE(format_decoded(r, params, {}).find("warning: non-finite outputs: 2 heatmap cells, 0 wh cells, 1 peaks dropped\n"),
              std::string::npos);
}

} // namespace
} // namespace deadzone
