#include "deadzone/decode.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace deadzone {
namespace {

// A hand-built [C,H,W] tensor with a fill value and helpers to set cells.
struct Tensor {
    int c, h, w;
    std::vector<float> data;
    Tensor(int channels, int height, int width, float fill)
        : c(channels), h(height), w(width), data(static_cast<size_t>(channels) * height * width, fill) {}
    float& at(int ch, int y, int x) { return data[(static_cast<size_t>(ch) * h + y) * w + x]; }
    ChwView view() const { return {data.data(), c, h, w}; }
};

Tensor wh_at(int h, int w, int y, int x, float l, float t, float r, float b) {
    Tensor wh(4, h, w, 0.0f);
    wh.at(0, y, x) = l;
    wh.at(1, y, x) = t;
    wh.at(2, y, x) = r;
    wh.at(3, y, x) = b;
    return wh;
}

DecodeResult decode_ok(const Tensor& hm, const Tensor& wh, DecodeParams p = {}, Letterbox lb = {}) {
    if (lb.source_width == 0) lb = identity_letterbox(hm.w * p.stride, hm.h * p.stride);
    Result<DecodeResult> r = decode_ttfnet(hm.view(), wh.view(), p, lb);
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? r.value() : DecodeResult{};
}

TEST(Sigmoid, MatchesDefinitionAndNeverOverflows) {
    EXPECT_FLOAT_EQ(sigmoid(0.0f), 0.5f);
    EXPECT_NEAR(sigmoid(2.0f), 1.0 / (1.0 + std::exp(-2.0)), 1e-7);
    EXPECT_NEAR(sigmoid(-2.0f), 1.0 / (1.0 + std::exp(2.0)), 1e-7);
    EXPECT_EQ(sigmoid(-1000.0f), 0.0f);
    EXPECT_EQ(sigmoid(1000.0f), 1.0f);
}

TEST(Decode, SinglePeakGivesKnownBox) {
    Tensor hm(1, 8, 8, -10.0f);
    hm.at(0, 2, 3) = 2.0f;
    const Tensor wh = wh_at(8, 8, 2, 3, 5, 6, 7, 8);
    const DecodeResult r = decode_ok(hm, wh);
    ASSERT_EQ(r.detections.size(), 1u);
    const Detection& d = r.detections[0];
    // Centre of cell (x=3, y=2) at stride 4 is (12, 8).
    EXPECT_FLOAT_EQ(d.center_x, 12.0f);
    EXPECT_FLOAT_EQ(d.center_y, 8.0f);
    EXPECT_FLOAT_EQ(d.x1, 7.0f);
    EXPECT_FLOAT_EQ(d.y1, 2.0f);
    EXPECT_FLOAT_EQ(d.x2, 19.0f);
    EXPECT_FLOAT_EQ(d.y2, 16.0f);
    EXPECT_NEAR(d.score, 0.880797f, 1e-5);
    EXPECT_EQ(d.cell_x, 3);
    EXPECT_EQ(d.cell_y, 2);
    EXPECT_EQ(d.class_id, 0);
}

TEST(Decode, DeadLeftChannelPutsLeftEdgeOnCentre) {
    Tensor hm(1, 16, 16, -8.0f);
    hm.at(0, 4, 5) = 3.0f;
    hm.at(0, 10, 11) = 1.5f;
    Tensor wh(4, 16, 16, 9.0f);
    for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x) wh.at(0, y, x) = 0.0f; // the dead channel
    const DecodeResult r = decode_ok(hm, wh);
    ASSERT_EQ(r.detections.size(), 2u);
    for (const Detection& d : r.detections) {
        EXPECT_EQ(d.x1, d.center_x);
        EXPECT_FLOAT_EQ(d.x2 - d.center_x, 9.0f);
        EXPECT_FLOAT_EQ(d.center_y - d.y1, 9.0f);
    }
}

TEST(Decode, NeighbourSuppressionKeepsOnlyLocalMaxima) {
    Tensor hm(1, 8, 8, -10.0f);
    hm.at(0, 4, 4) = 3.0f;
    hm.at(0, 4, 5) = 2.0f; // neighbour of a higher cell: suppressed
    hm.at(0, 3, 3) = 2.5f; // diagonal neighbour: suppressed
    hm.at(0, 4, 7) = 1.0f; // two cells away from (4,5)? neighbours (4,6) is -10, so a peak
    const DecodeResult r = decode_ok(hm, Tensor(4, 8, 8, 1.0f));
    ASSERT_EQ(r.detections.size(), 2u);
    EXPECT_EQ(r.detections[0].cell_x, 4);
    EXPECT_EQ(r.detections[1].cell_x, 7);
}

TEST(Decode, EqualNeighboursAreAllKeptInDeterministicOrder) {
    Tensor hm(1, 8, 8, -10.0f);
    hm.at(0, 5, 2) = 1.0f;
    hm.at(0, 5, 3) = 1.0f; // tie with its neighbour: max-pool equality keeps both
    hm.at(0, 1, 6) = 1.0f; // same score elsewhere, earlier row: comes first
    const DecodeResult r = decode_ok(hm, Tensor(4, 8, 8, 1.0f));
    ASSERT_EQ(r.detections.size(), 3u);
    EXPECT_EQ(r.detections[0].cell_y, 1);
    EXPECT_EQ(r.detections[1].cell_y, 5);
    EXPECT_EQ(r.detections[1].cell_x, 2);
    EXPECT_EQ(r.detections[2].cell_x, 3);
}

TEST(Decode, PeaksAtBordersAndCornersAreFoundAndClipped) {
    Tensor hm(1, 6, 6, -10.0f);
    hm.at(0, 0, 0) = 2.0f;
    hm.at(0, 5, 5) = 1.0f;
    hm.at(0, 0, 5) = 0.5f;
    Tensor wh(4, 6, 6, 10.0f);
    const DecodeResult r = decode_ok(hm, wh);
    ASSERT_EQ(r.detections.size(), 3u);
    const Detection& corner = r.detections[0];
    EXPECT_EQ(corner.cell_x, 0);
    EXPECT_EQ(corner.x1, 0.0f); // 0 - 10, clipped
    EXPECT_EQ(corner.y1, 0.0f);
    EXPECT_EQ(corner.x2, 10.0f);
    const Detection& far = r.detections[1];
    EXPECT_EQ(far.cell_x, 5);
    EXPECT_EQ(far.x2, 24.0f); // 20 + 10, clipped to the 24-pixel image
    EXPECT_EQ(far.y2, 24.0f);
    EXPECT_EQ(far.x1, 10.0f);
}

TEST(Decode, TopKThenThresholdInScoreOrder) {
    Tensor hm(2, 10, 10, -10.0f);
    hm.at(0, 1, 1) = 0.0f;  // 0.5
    hm.at(1, 1, 1) = 3.0f;  // 0.95, other class at the same cell
    hm.at(0, 5, 5) = 1.0f;  // 0.73
    hm.at(1, 8, 8) = -1.0f; // 0.27
    hm.at(0, 8, 2) = -3.0f; // 0.047: under the default threshold
    DecodeParams p;
    p.top_k = 3;
    DecodeResult r = decode_ok(hm, Tensor(4, 10, 10, 2.0f), p);
    ASSERT_EQ(r.detections.size(), 3u);
    EXPECT_EQ(r.detections[0].class_id, 1);
    EXPECT_EQ(r.detections[1].cell_x, 5);
    EXPECT_EQ(r.detections[2].class_id, 0);
    EXPECT_EQ(r.detections[2].cell_x, 1);

    p.top_k = 100;
    p.score_threshold = 0.3f;
    r = decode_ok(hm, Tensor(4, 10, 10, 2.0f), p);
    EXPECT_EQ(r.detections.size(), 3u);
    p.score_threshold = 0.0f;
    r = decode_ok(hm, Tensor(4, 10, 10, 2.0f), p);
    // Every other cell is -10 and not a peak next to a higher cell... but isolated -10 plateaus
    // are peaks too (max-pool equality), so count only the five planted peaks by score.
    int planted = 0;
    for (const Detection& d : r.detections) planted += d.score > 0.01f;
    EXPECT_EQ(planted, 5);
}

TEST(Decode, ThresholdKeepsExactlyTheUnthresholdedPeaksAboveIt) {
    // decode skips cells far below the threshold before the 3x3 test; the result must be the
    // threshold-0 result cut at the threshold, including logits right at the boundary and scores
    // that round to 1.0f.
    Tensor hm(2, 24, 24, 0.0f);
    for (size_t i = 0; i < hm.data.size(); ++i) hm.data[i] = 12.0f * std::sin(0.731f * static_cast<float>(i)) - 4.0f;
    hm.at(0, 3, 3) = std::log(0.3f / 0.7f); // sigmoid right at a threshold of 0.3
    hm.at(1, 20, 20) = 40.0f;               // scores 1.0f exactly
    const Tensor wh(4, 24, 24, 2.0f);
    for (float threshold : {0.05f, 0.3f, 0.5f, 0.97f, 0.99999994f, 1.0f}) {
        DecodeParams all;
        all.score_threshold = 0.0f;
        all.top_k = 1000;
        DecodeParams cut = all;
        cut.score_threshold = threshold;
        const DecodeResult every = decode_ok(hm, wh, all), kept = decode_ok(hm, wh, cut);
        std::vector<Detection> expect;
        for (const Detection& d : every.detections)
            if (d.score >= threshold) expect.push_back(d);
        ASSERT_EQ(kept.detections.size(), expect.size()) << "threshold " << threshold;
        for (size_t i = 0; i < expect.size(); ++i) {
            EXPECT_EQ(kept.detections[i].cell_x, expect[i].cell_x);
            EXPECT_EQ(kept.detections[i].cell_y, expect[i].cell_y);
            EXPECT_EQ(kept.detections[i].class_id, expect[i].class_id);
        }
        if (threshold == 1.0f) {
            EXPECT_FALSE(expect.empty());
        } // the saturated peak
    }
}

TEST(Decode, MapsThroughLetterboxToSourcePixels) {
    // A 200x100 source letterboxed into 32x32: scale 0.16, 32x16 image, 8 rows of padding on top.
    const Letterbox lb = make_letterbox(200, 100, 32, 32);
    ASSERT_EQ(lb.pad_top, 8);
    Tensor hm(1, 8, 8, -10.0f);
    hm.at(0, 4, 4) = 2.0f; // centre (16, 16) in input pixels
    const DecodeResult r = decode_ok(hm, wh_at(8, 8, 4, 4, 8, 4, 8, 4), {}, lb);
    ASSERT_EQ(r.detections.size(), 1u);
    const Detection& d = r.detections[0];
    EXPECT_NEAR(d.center_x, 100.0f, 1e-3);
    EXPECT_NEAR(d.center_y, 50.0f, 1e-3);
    EXPECT_NEAR(d.x1, 50.0f, 1e-3); // (16 - 8) / 0.16
    EXPECT_NEAR(d.x2, 150.0f, 1e-3);
    EXPECT_NEAR(d.y1, 25.0f, 1e-3); // (16 - 4 - 8) / 0.16
    EXPECT_NEAR(d.y2, 75.0f, 1e-3);
}

TEST(Decode, NaNHeatmapCellsAreCountedNeverDetected) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    Tensor hm(1, 8, 8, -10.0f);
    hm.at(0, 3, 3) = nan;
    hm.at(0, 3, 4) = 1.0f; // a peak beside a NaN is still a peak
    hm.at(0, 6, 6) = std::numeric_limits<float>::infinity();
    const DecodeResult r = decode_ok(hm, Tensor(4, 8, 8, 1.0f));
    EXPECT_EQ(r.nonfinite_heatmap, 2);
    ASSERT_EQ(r.detections.size(), 1u);
    EXPECT_EQ(r.detections[0].cell_x, 4);
    for (const Detection& d : r.detections) EXPECT_TRUE(std::isfinite(d.x1) && std::isfinite(d.score));
}

TEST(Decode, NaNWidthDropsThePeakAndIsCounted) {
    Tensor hm(1, 8, 8, -10.0f);
    hm.at(0, 2, 2) = 2.0f;
    hm.at(0, 6, 6) = 1.0f;
    Tensor wh(4, 8, 8, 3.0f);
    wh.at(2, 2, 2) = std::numeric_limits<float>::quiet_NaN();
    const DecodeResult r = decode_ok(hm, wh);
    EXPECT_EQ(r.nonfinite_wh, 1);
    EXPECT_EQ(r.dropped_peaks, 1);
    ASSERT_EQ(r.detections.size(), 1u);
    EXPECT_EQ(r.detections[0].cell_x, 6);
}

TEST(Decode, RejectsMismatchedShapesWithAMessage) {
    const Tensor hm(1, 8, 8, 0.0f);
    const Letterbox lb = identity_letterbox(32, 32);
    Result<DecodeResult> r = decode_ttfnet(hm.view(), Tensor(3, 8, 8, 0.0f).view(), {}, lb);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("4 channels"), std::string::npos) << r.error();
    r = decode_ttfnet(hm.view(), Tensor(4, 8, 9, 0.0f).view(), {}, lb);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("[4,8,9]"), std::string::npos) << r.error();
    DecodeParams bad;
    bad.top_k = 0;
    EXPECT_FALSE(decode_ttfnet(hm.view(), Tensor(4, 8, 8, 0.0f).view(), bad, lb).ok());
}

} // namespace
} // namespace deadzone
