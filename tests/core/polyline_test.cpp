// core/'s polyline simplification (polyline.h): what the plot widget draws must stay within the
// tolerance of the points it was given, and only drop points it can.
#include "deadzone/polyline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace deadzone {
namespace {

float distance_to_segment(Point2f p, Point2f a, Point2f b) {
    const double dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0.0;
    t = std::clamp(t, 0.0, 1.0);
    return static_cast<float>(std::hypot(a.x + t * dx - p.x, a.y + t * dy - p.y));
}

// The largest distance from an original point to the simplified polyline.
float max_deviation(const std::vector<Point2f>& original, const std::vector<Point2f>& kept) {
    float worst = 0;
    for (const Point2f& p : original) {
        float best = std::numeric_limits<float>::infinity();
        for (std::size_t i = 0; i + 1 < kept.size(); ++i) best = std::min(best, distance_to_segment(p, kept[i], kept[i + 1]));
        if (kept.size() == 1) best = std::hypot(p.x - kept[0].x, p.y - kept[0].y);
        worst = std::max(worst, best);
    }
    return worst;
}

std::vector<Point2f> simplified(std::vector<Point2f> points, float tolerance, std::size_t max_skip = 64) {
    points.resize(simplify_polyline(points.data(), points.size(), tolerance, max_skip));
    return points;
}

bool is_subsequence(const std::vector<Point2f>& kept, const std::vector<Point2f>& original) {
    std::size_t j = 0;
    for (const Point2f& p : original)
        if (j < kept.size() && p.x == kept[j].x && p.y == kept[j].y) ++j;
    return j == kept.size();
}

TEST(SimplifyPolyline, StraightLineKeepsItsEnds) {
    std::vector<Point2f> line;
    for (int i = 0; i < 100; ++i) line.push_back({static_cast<float>(i), 10.0f + 0.5f * i});
    const std::vector<Point2f> kept = simplified(line, 0.3f, 1000);
    ASSERT_EQ(kept.size(), 2u);
    EXPECT_EQ(kept.front().x, 0.0f);
    EXPECT_EQ(kept.back().x, 99.0f);
}

TEST(SimplifyPolyline, MaxSkipBoundsEachSegment) {
    std::vector<Point2f> flat;
    for (int i = 0; i < 100; ++i) flat.push_back({static_cast<float>(i), 5.0f});
    const std::vector<Point2f> kept = simplified(flat, 0.3f, 10);
    ASSERT_GE(kept.size(), 10u); // 99 segments of input, at most 11 per output segment
    for (std::size_t i = 0; i + 1 < kept.size(); ++i) EXPECT_LE(kept[i + 1].x - kept[i].x, 11.0f);
}

TEST(SimplifyPolyline, KeepsASpikeOnAFlatLine) {
    std::vector<Point2f> line;
    for (int i = 0; i < 50; ++i) line.push_back({static_cast<float>(i), i == 25 ? 40.0f : 0.0f});
    const std::vector<Point2f> kept = simplified(line, 0.3f);
    EXPECT_TRUE(std::any_of(kept.begin(), kept.end(), [](Point2f p) { return p.x == 25.0f && p.y == 40.0f; }));
    EXPECT_LE(kept.size(), 5u); // start, the spike's foot, the spike, its other foot, end
    EXPECT_LE(max_deviation(line, kept), 0.3f);
}

// A slow curve: each point is close to the chord of its neighbours, but not to a long chord. A
// check of only the newest point against the growing segment would let the error accumulate.
TEST(SimplifyPolyline, ErrorDoesNotAccumulateAlongASlowCurve) {
    std::vector<Point2f> curve;
    for (int i = 0; i <= 400; ++i) curve.push_back({static_cast<float>(i), 0.0005f * (i - 200.0f) * (i - 200.0f)});
    const std::vector<Point2f> kept = simplified(curve, 0.3f, 400);
    EXPECT_LT(kept.size(), curve.size() / 4);
    EXPECT_LE(max_deviation(curve, kept), 0.3f + 1e-4f);
}

TEST(SimplifyPolyline, RandomWalksStayWithinTolerance) {
    std::mt19937 rng(7);
    std::normal_distribution<float> step(0.0f, 0.4f);
    for (int trial = 0; trial < 50; ++trial) {
        std::vector<Point2f> walk;
        float y = 50;
        for (int i = 0; i < 300; ++i) walk.push_back({0.5f * i, y += step(rng)});
        for (float tolerance : {0.1f, 0.35f, 2.0f}) {
            const std::vector<Point2f> kept = simplified(walk, tolerance);
            ASSERT_GE(kept.size(), 2u);
            EXPECT_EQ(kept.front().x, walk.front().x);
            EXPECT_EQ(kept.back().x, walk.back().x);
            EXPECT_TRUE(is_subsequence(kept, walk));
            EXPECT_LE(max_deviation(walk, kept), tolerance + 1e-4f) << "trial " << trial << " tolerance " << tolerance;
        }
    }
}

TEST(SimplifyPolyline, NonFinitePointsAreKept) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<Point2f> line{{0, 0}, {1, 0}, {2, nan}, {3, 0}, {4, 0}, {5, 0}};
    const std::vector<Point2f> kept = simplified(line, 0.5f);
    EXPECT_TRUE(std::any_of(kept.begin(), kept.end(), [](Point2f p) { return std::isnan(p.y); }));
    EXPECT_EQ(kept.back().x, 5.0f);
}

TEST(SimplifyPolyline, NoToleranceOrFewPointsKeepsEverything) {
    std::vector<Point2f> line{{0, 0}, {1, 0}, {2, 0}, {3, 0}};
    EXPECT_EQ(simplify_polyline(line.data(), line.size(), 0.0f), 4u);
    EXPECT_EQ(simplify_polyline(line.data(), line.size(), std::numeric_limits<float>::quiet_NaN()), 4u);
    EXPECT_EQ(simplify_polyline(line.data(), 2, 1.0f), 2u);
    EXPECT_EQ(simplify_polyline(line.data(), 0, 1.0f), 0u);
}

} // namespace
} // namespace deadzone
