#include "deadzone/feature_grid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace {

using deadzone::feature_map_uv;
using deadzone::make_letterbox;
using deadzone::nearest_cell;

TEST(FeatureGrid, NearestCellRoundsToTheNearestCentreAndClamps) {
    EXPECT_EQ(nearest_cell(0.0f, 4, 128), 0);
    EXPECT_EQ(nearest_cell(1.9f, 4, 128), 0);
    EXPECT_EQ(nearest_cell(2.1f, 4, 128), 1);
    EXPECT_EQ(nearest_cell(509.0f, 4, 128), 127);
    EXPECT_EQ(nearest_cell(511.9f, 4, 128), 127); // past the last centre: the last cell
    EXPECT_EQ(nearest_cell(-3.0f, 4, 128), 0);
    EXPECT_EQ(nearest_cell(std::numeric_limits<float>::quiet_NaN(), 4, 128), 0);
}

// Draws the texture over the source image the way a GPU does (nearest texel, clamp to edge) and
// checks every source pixel shows the cell nearest to its input position: the overlay covers the
// whole image, for tall, wide, square, tiny and extreme images.
TEST(FeatureGrid, UvShowsTheNearestCellAtEverySourcePixel) {
    struct Case {
        int w, h, input, stride;
    };
    for (const Case c : {Case{283, 372, 512, 4}, Case{640, 400, 512, 4}, Case{384, 384, 320, 4}, Case{7, 5, 128, 4},
                         Case{1000, 1, 128, 4}, Case{3, 900, 320, 8}}) {
        const auto lb = make_letterbox(c.w, c.h, c.input, c.input);
        const int cells = c.input / c.stride;
        const auto uv = feature_map_uv(lb, c.stride, cells, cells);
        auto texel = [&](float t, float t0, float t1) {
            const int k = static_cast<int>(std::floor((t0 + t * (t1 - t0)) * cells));
            return std::clamp(k, 0, cells - 1);
        };
        for (int x = 0; x < c.w; ++x) {
            const float t = (x + 0.5f) / c.w;
            ASSERT_EQ(texel(t, uv.u0, uv.u1), nearest_cell((x + 0.5f) * lb.scale + lb.pad_left, c.stride, cells))
                << c.w << "x" << c.h << " at x=" << x;
        }
        for (int y = 0; y < c.h; ++y) {
            const float t = (y + 0.5f) / c.h;
            ASSERT_EQ(texel(t, uv.v0, uv.v1), nearest_cell((y + 0.5f) * lb.scale + lb.pad_top, c.stride, cells))
                << c.w << "x" << c.h << " at y=" << y;
        }
        // The image's edges are the padding's edges: the first drawn cell is the one nearest the
        // image's first input pixel, not cell 0 of the padding.
        EXPECT_EQ(texel(0.0f, uv.u0, uv.u1), nearest_cell(static_cast<float>(lb.pad_left), c.stride, cells));
        EXPECT_EQ(texel(0.0f, uv.v0, uv.v1), nearest_cell(static_cast<float>(lb.pad_top), c.stride, cells));
    }
}

TEST(FeatureGrid, UvOfAnUnpaddedImageSpansTheWholeMapShiftedByHalfACell) {
    const auto lb = make_letterbox(512, 512, 512, 512);
    const auto uv = feature_map_uv(lb, 4, 128, 128);
    EXPECT_FLOAT_EQ(uv.u0, 0.5f / 128);
    EXPECT_FLOAT_EQ(uv.u1, 128.5f / 128);
    EXPECT_FLOAT_EQ(uv.v0, 0.5f / 128);
    EXPECT_FLOAT_EQ(uv.v1, 128.5f / 128);
}

} // namespace
