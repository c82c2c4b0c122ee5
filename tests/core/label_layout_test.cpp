#include "deadzone/label_layout.h"

#include <gtest/gtest.h>

#include <random>

namespace {

using deadzone::LabelPlacement;
using deadzone::LabelRequest;
using deadzone::LayoutRect;
using deadzone::place_labels;
using deadzone::rects_overlap;

const LayoutRect kBounds{0, 0, 400, 300};

LayoutRect rect_of(const LabelPlacement& p, const LabelRequest& r) { return {p.x, p.y, p.x + r.width, p.y + r.height}; }

TEST(LabelLayout, ALoneLabelSitsAboveItsBoxLeftAligned) {
    const auto p = place_labels({{{50, 60, 120, 140}, 80, 14}}, kBounds);
    ASSERT_TRUE(p[0].shown);
    EXPECT_EQ(p[0].x, 50);
    EXPECT_EQ(p[0].y, 46);
}

TEST(LabelLayout, ABoxAtTheTopOrRightEdgeKeepsItsLabelInside) {
    const auto top = place_labels({{{50, 0, 120, 140}, 80, 14}}, kBounds);
    ASSERT_TRUE(top[0].shown);
    EXPECT_EQ(top[0].y, 0); // inside the box: no room above
    const auto right = place_labels({{{380, 100, 400, 140}, 80, 14}}, kBounds);
    ASSERT_TRUE(right[0].shown);
    EXPECT_EQ(right[0].x, 320); // slid left
}

TEST(LabelLayout, TwoBoxesAtTheSamePlaceGetLabelsThatDoNotOverlap) {
    const std::vector<LabelRequest> r = {{{50, 60, 120, 140}, 80, 14}, {{52, 62, 118, 138}, 80, 14}};
    const auto p = place_labels(r, kBounds);
    ASSERT_TRUE(p[0].shown && p[1].shown);
    EXPECT_FALSE(rects_overlap(rect_of(p[0], r[0]), rect_of(p[1], r[1])));
}

// Random crowds: whatever is shown stays inside and overlaps nothing else shown; the first label is
// always shown, and with room for all they are all shown.
TEST(LabelLayout, RandomCrowdsNeverOverlapAndStayInside) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> pos(0, 380), size(4, 60);
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<LabelRequest> r(1 + trial % 40);
        for (auto& q : r) {
            const float x = pos(rng), y = pos(rng) * 0.75f;
            q = {{x, y, std::min(400.0f, x + size(rng)), std::min(300.0f, y + size(rng))}, 30 + size(rng), 14};
        }
        const auto p = place_labels(r, kBounds);
        ASSERT_TRUE(p[0].shown);
        for (size_t i = 0; i < r.size(); ++i) {
            if (!p[i].shown) continue;
            const LayoutRect a = rect_of(p[i], r[i]);
            ASSERT_TRUE(a.x0 >= 0 && a.y0 >= 0 && a.x1 <= 400 && a.y1 <= 300) << "trial " << trial << " label " << i;
            for (size_t j = i + 1; j < r.size(); ++j)
                if (p[j].shown) {
                    ASSERT_FALSE(rects_overlap(a, rect_of(p[j], r[j]))) << "trial " << trial << ": " << i << " and " << j;
                }
        }
    }
}

TEST(LabelLayout, WhenEveryCandidateIsTakenTheLabelIsHidden) {
    std::vector<LabelRequest> r(8, LabelRequest{{100, 100, 140, 130}, 60, 14});
    const auto p = place_labels(r, kBounds);
    int shown = 0;
    for (const auto& q : p) shown += q.shown ? 1 : 0;
    EXPECT_GE(shown, 3);
    EXPECT_LT(shown, 8);
    EXPECT_TRUE(p[0].shown);
}

} // namespace
