// Targets and losses against values computed by hand from the TTFNet formulas.
#include "ttfnet/losses.h"
#include "ttfnet/targets.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ttfnet {
namespace {

TEST(Targets, GaussianIsTheReferenceShape) {
    const std::vector<float> g = gaussian_2d(2, 1); // 5 rows x 3 cols, sigma_x = 3/6, sigma_y = 5/6
    ASSERT_EQ(g.size(), 15u);
    EXPECT_FLOAT_EQ(g[2 * 3 + 1], 1.0f);
    EXPECT_NEAR(g[2 * 3 + 2], std::exp(-1.0 / (2 * 0.25)), 1e-6);
    EXPECT_NEAR(g[3 * 3 + 1], std::exp(-1.0 / (2 * 25.0 / 36.0)), 1e-6);
    EXPECT_NEAR(g[0 * 3 + 0], std::exp(-1.0 / (2 * 0.25) - 4.0 / (2 * 25.0 / 36.0)), 1e-6);
}

TEST(Targets, SingleBoxByHand) {
    // Box (8,8)-(24,40) on a 64x64 input: feature map 16x16, centre (16,24)/4 = cell (4,6),
    // size 4 x 8 cells -> radii w = int(2*0.54) = 1, h = int(4*0.54) = 2.
    TargetParams p;
    p.num_classes = 2;
    const ImageTargets t = make_image_targets({Box{8, 8, 24, 40, 1}}, 16, 16, p);
    auto hm = [&](int c, int y, int x) { return t.heatmap[static_cast<std::size_t>(c * 256 + y * 16 + x)]; };
    EXPECT_FLOAT_EQ(hm(1, 6, 4), 1.0f);
    EXPECT_NEAR(hm(1, 6, 5), std::exp(-2.0), 1e-6);
    EXPECT_NEAR(hm(1, 7, 4), std::exp(-0.72), 1e-6);
    EXPECT_EQ(hm(1, 6, 6), 0.0f); // outside the w radius
    EXPECT_EQ(hm(1, 9, 4), 0.0f); // outside the h radius
    EXPECT_EQ(hm(0, 6, 4), 0.0f); // other class untouched
    float sum0 = 0;
    for (int i = 0; i < 256; ++i) sum0 += t.heatmap[static_cast<std::size_t>(i)];
    EXPECT_EQ(sum0, 0.0f);

    // 15 regression cells, each with the full box and weight g * log(17*33) / sum(g).
    const double sum_g = (1 + 2 * std::exp(-2.0)) * (1 + 2 * std::exp(-0.72) + 2 * std::exp(-2.88));
    int cells = 0;
    double wsum = 0;
    for (int i = 0; i < 256; ++i) {
        if (t.reg_weight[static_cast<std::size_t>(i)] > 0) {
            ++cells;
            wsum += t.reg_weight[static_cast<std::size_t>(i)];
            EXPECT_EQ(t.box_target[static_cast<std::size_t>(i)], 8.0f);
            EXPECT_EQ(t.box_target[static_cast<std::size_t>(256 + i)], 8.0f);
            EXPECT_EQ(t.box_target[static_cast<std::size_t>(512 + i)], 24.0f);
            EXPECT_EQ(t.box_target[static_cast<std::size_t>(768 + i)], 40.0f);
        }
    }
    EXPECT_EQ(cells, 15);
    EXPECT_NEAR(wsum, std::log(17.0 * 33.0), 1e-4);
    EXPECT_NEAR(t.reg_weight[6 * 16 + 4], std::log(17.0 * 33.0) / sum_g, 1e-5);
}

TEST(Targets, OverlapTakesMaxAndSmallBoxOwnsCells) {
    TargetParams p;
    p.num_classes = 1;
    // Big box centred at cell (8,8), small box centred at cell (9,8): both cover cell (9,8).
    const Box big{0, 0, 64, 64, 0}, small{32, 28, 42, 38, 0};
    const ImageTargets t = make_image_targets({small, big}, 16, 16, p);
    const std::size_t cell = 8 * 16 + 9;
    EXPECT_FLOAT_EQ(t.heatmap[cell], 1.0f); // small box's peak beats the big box's tail
    EXPECT_EQ(t.box_target[cell], 32.0f);   // small box drawn last -> owns the cell
    EXPECT_EQ(t.box_target[2 * 256 + cell], 42.0f);
    EXPECT_EQ(t.box_target[8 * 16 + 4], 0.0f); // far left is owned by the big box: x1 = 0
    EXPECT_EQ(t.box_target[2 * 256 + 8 * 16 + 4], 64.0f);
}

TEST(Losses, FocalLossByHand) {
    // Two cells, logit 0 (p = 0.5): one positive, one negative with gt 0.5.
    const auto logits = torch::zeros({1, 1, 1, 2});
    const auto gt = torch::tensor({1.0f, 0.5f}).view({1, 1, 1, 2});
    const double pos = std::log(0.5) * 0.25, neg = std::log(0.5) * 0.25 * std::pow(0.5, 4);
    EXPECT_NEAR(focal_loss(logits, gt).item<double>(), -(pos + neg), 1e-6);
    // No positives: divided by 1.
    const auto gt0 = torch::tensor({0.0f, 0.0f}).view({1, 1, 1, 2});
    EXPECT_NEAR(focal_loss(logits, gt0).item<double>(), -2 * std::log(0.5) * 0.25, 1e-6);
    // Clamping keeps a confident wrong prediction finite.
    EXPECT_TRUE(std::isfinite(focal_loss(torch::full({1, 1, 1, 2}, -100.0f), gt).item<double>()));
}

TEST(Losses, CrowdRegionsLeaveTheirNegativesOutOfTheFocalLoss) {
    // Three cells, logit 0 (p = 0.5), all negatives (gt 0); the middle one is in a crowd region.
    const auto logits = torch::zeros({1, 2, 1, 3});
    const auto gt = torch::zeros({1, 2, 1, 3});
    const auto ignore = torch::tensor({0.0f, 1.0f, 0.0f}).view({1, 1, 1, 3});
    const double one_negative = -std::log(0.5) * 0.25;
    EXPECT_NEAR(focal_loss(logits, gt).item<double>(), 6 * one_negative, 1e-6);
    EXPECT_NEAR(focal_loss(logits, gt, ignore).item<double>(), 4 * one_negative, 1e-6); // both classes
    // A positive inside a crowd region still counts.
    const auto gt_pos = torch::tensor({0.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.0f}).view({1, 2, 1, 3});
    EXPECT_NEAR(focal_loss(logits, gt_pos, ignore).item<double>(), 4 * one_negative + one_negative, 1e-6);
}

// The regression weight is gaussian * log(area) / sum, areas with the reference's +1 pixel convention
// ((w + 1)(h + 1), mmdetection's TTFNet bbox_areas): a box under 1 px^2 (tiny people after the
// letterbox) still has log(area) >= 0, so no weight is negative and none pushes a box to be wrong.
TEST(Targets, TinyBoxesGetFiniteNonNegativeRegressionWeights) {
    TargetParams p;
    for (const Box& b : {Box{10.0f, 10.0f, 10.3f, 10.3f, 0}, Box{10, 10, 11, 11, 0}, Box{10, 10, 10.9f, 30, 0}}) {
        const ImageTargets t = make_image_targets({b}, 16, 16, p);
        float total = 0;
        for (float w : t.reg_weight) {
            EXPECT_TRUE(std::isfinite(w));
            EXPECT_GE(w, 0.0f);
            total += w;
        }
        // The weights of one box sum to log((w + 1)(h + 1)), as for every normal box.
        EXPECT_NEAR(total, std::log((b.x2 - b.x1 + 1) * (b.y2 - b.y1 + 1)), 1e-5) << b.x2 - b.x1;
    }
    // A normal box: the same rule, log(area) spread over its cells.
    const ImageTargets normal = make_image_targets({Box{8, 8, 40, 56, 0}}, 16, 16, p);
    float total = 0;
    for (float w : normal.reg_weight) total += w;
    EXPECT_NEAR(total, std::log(33.0f * 49.0f), 1e-4);
}

TEST(Targets, CrowdRegionsMarkTheirCellsAndTheCellOfTheirCentre) {
    TargetParams p; // stride 4
    // Covers cell centres x = 8..16 px (cells 2..4) and y = 4..8 px (cells 1..2).
    const ImageTargets t = make_image_targets({}, 8, 8, p, {Box{6, 3, 17, 9, 0}});
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x) {
            const bool inside = x >= 2 && x <= 4 && y >= 1 && y <= 2;
            EXPECT_EQ(t.heatmap_ignore[static_cast<std::size_t>(y) * 8 + x], inside ? 1.0f : 0.0f) << x << "," << y;
        }
    // Narrower than the stride, between cell centres: only the cell holding its centre (int(13/4) = 3).
    const ImageTargets tiny = make_image_targets({}, 8, 8, p, {Box{13, 13, 14, 14, 0}});
    EXPECT_EQ(std::count(tiny.heatmap_ignore.begin(), tiny.heatmap_ignore.end(), 1.0f), 1);
    EXPECT_EQ(tiny.heatmap_ignore[3 * 8 + 3], 1.0f);
    // No crowd anywhere in a batch: no ignore tensor; some: [N,1,H,W].
    EXPECT_FALSE(make_batch_targets({{Box{4, 8, 40, 60, 0}}, {}}, 32, 32, p).heatmap_ignore.defined());
    const BatchTargets b = make_batch_targets({{}, {}}, 32, 32, p, {{}, {Box{0, 0, 8, 8, 0}}});
    ASSERT_TRUE(b.heatmap_ignore.defined());
    EXPECT_EQ(b.heatmap_ignore.sizes(), (std::vector<std::int64_t>{2, 1, 8, 8}));
    EXPECT_EQ(b.heatmap_ignore[0].sum().item<float>(), 0.0f);
    EXPECT_EQ(b.heatmap_ignore[1].sum().item<float>(), 9.0f); // centres 0, 4, 8 px on each axis
}

TEST(Losses, GiouDistanceByHand) {
    const auto pred = torch::tensor({6.0f, 10.f, 10.f, 14.f, 6.f, 10.f, 10.f, 14.f, 6.f, 10.f, 10.f, 14.f}).view({3, 4});
    const auto target = torch::tensor({6.0f, 10.f, 10.f, 14.f, 4.f, 10.f, 10.f, 14.f, 20.f, 10.f, 24.f, 14.f}).view({3, 4});
    const auto d = giou_distance(pred, target);
    EXPECT_NEAR(d[0].item<double>(), 0.0, 1e-5);
    EXPECT_NEAR(d[1].item<double>(), 1 - 25.0 / 35.0, 1e-5);          // contained: GIoU = IoU
    EXPECT_NEAR(d[2].item<double>(), 1 + (95.0 - 50.0) / 95.0, 1e-5); // disjoint: IoU 0, penalty
}

TEST(Losses, GiouOfAnInvertedBoxStaysBounded) {
    // Leaky heads can predict negative distances: an inverted box must not produce a huge or
    // non-finite loss. Pred (12,12)-(4,4) is inverted; target (4,4)-(12,12).
    const auto pred = torch::tensor({12.0f, 12.f, 4.f, 4.f}).view({1, 4});
    const auto target = torch::tensor({4.0f, 4.f, 12.f, 12.f}).view({1, 4});
    const double d = giou_distance(pred, target)[0].item<double>();
    EXPECT_TRUE(std::isfinite(d));
    EXPECT_GE(d, 0.0);
    EXPECT_LE(d, 2.0);
}

TEST(Losses, GiouLossDecodesCellsWithStride) {
    // One regression cell at (x=2, y=3): centre (8, 12). wh = 2 on all sides -> (6,10,10,14).
    auto wh = torch::full({1, 4, 5, 5}, 2.0f);
    auto box = torch::zeros({1, 4, 5, 5});
    auto w = torch::zeros({1, 1, 5, 5});
    box.index_put_({0, torch::indexing::Slice(), 3, 2}, torch::tensor({4.0f, 10.f, 10.f, 14.f}));
    w.index_put_({0, 0, 3, 2}, 2.0f);
    const double expected = 2 * (1 - 25.0 / 35.0) / (2 + 1e-4);
    EXPECT_NEAR(giou_loss(wh, box, w, 4).item<double>(), expected, 1e-5);
    // A dead channel (left distance stuck at 0) puts the left edge on the centre.
    wh.index_put_({0, 0}, 0.0f);
    const double overlap = (10 - 8 + 1) * 5, ap = overlap, ag = 35;
    const double expected_dead = 2 * (1 - overlap / (ap + ag - overlap)) / (2 + 1e-4);
    EXPECT_NEAR(giou_loss(wh, box, w, 4).item<double>(), expected_dead, 1e-5);
}

TEST(Losses, TotalIsWeightedSumAndGradientsFlow) {
    ModelConfig cfg;
    cfg.num_classes = 1;
    auto model = make_ttfnet(cfg);
    TargetParams p;
    const BatchTargets t = make_batch_targets({{Box{4, 8, 40, 60, 0}}, {}}, 64, 64, p);
    const TtfOutput out = model->forward(torch::randn({2, 3, 64, 64}));
    const LossParts l = ttfnet_loss(out, t, LossWeights{});
    EXPECT_NEAR(l.total.item<double>(), l.heatmap.item<double>() + l.wh.item<double>(), 1e-5);
    EXPECT_GT(l.wh.item<double>(), 0.0);
    l.total.backward();
    EXPECT_GT(model->hm_out->weight.grad().abs().sum().item<double>(), 0.0);
}

} // namespace
} // namespace ttfnet
