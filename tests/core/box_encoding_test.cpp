#include "deadzone/box_encoding.h"
#include "deadzone/decode.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace {

using namespace deadzone;

// CenterNet's own decode (ctdet_decode in its reference code, before the down-ratio is applied),
// written out for one cell: the box in input pixels.
struct Box {
    float x1, y1, x2, y2;
};
Box centernet_reference(int x, int y, float w, float h, float dx, float dy, int stride) {
    const float cx = (static_cast<float>(x) + dx), cy = (static_cast<float>(y) + dy);
    return {(cx - w / 2) * stride, (cy - h / 2) * stride, (cx + w / 2) * stride, (cy + h / 2) * stride};
}

TEST(BoxEncoding, CenterNetSizeAndOffsetDecodeToCenterNetsOwnBoxes) {
    constexpr int h = 3, w = 5, stride = 8;
    const std::size_t plane = h * w;
    std::vector<float> size(2 * plane), offset(2 * plane);
    for (std::size_t i = 0; i < plane; ++i) {
        size[i] = 1.0f + 0.25f * static_cast<float>(i), size[plane + i] = 3.0f - 0.125f * static_cast<float>(i);
        offset[i] = 0.1f * static_cast<float>(i % 4), offset[plane + i] = 0.9f - 0.05f * static_cast<float>(i);
    }
    auto ltrb = box_map_in_input_pixels({size.data(), 2, h, w}, {offset.data(), 2, h, w}, BoxEncoding::CenterNetSizeOffset,
                                        BoxUnits::StrideUnits, stride);
    ASSERT_TRUE(ltrb.ok()) << ltrb.error();
    ASSERT_EQ(ltrb.value().size(), 4 * plane);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const std::size_t i = static_cast<std::size_t>(y) * w + x;
            const Box want = centernet_reference(x, y, size[i], size[plane + i], offset[i], offset[plane + i], stride);
            // decode.h's box from the cell corner (x*s, y*s).
            const float* m = ltrb.value().data();
            const float cx = static_cast<float>(x * stride), cy = static_cast<float>(y * stride);
            EXPECT_NEAR(cx - m[i], want.x1, 1e-4f) << x << "," << y;
            EXPECT_NEAR(cy - m[plane + i], want.y1, 1e-4f);
            EXPECT_NEAR(cx + m[2 * plane + i], want.x2, 1e-4f);
            EXPECT_NEAR(cy + m[3 * plane + i], want.y2, 1e-4f);
        }
    // Sizes given in input pixels are not multiplied by the stride; the offset (in cells) still is.
    auto pixels = box_map_in_input_pixels({size.data(), 2, h, w}, {offset.data(), 2, h, w}, BoxEncoding::CenterNetSizeOffset,
                                          BoxUnits::InputPixels, stride);
    ASSERT_TRUE(pixels.ok());
    EXPECT_NEAR(pixels.value()[0], size[0] / 2 - offset[0] * stride, 1e-5f);
    EXPECT_NEAR(pixels.value()[2 * plane], size[0] / 2 + offset[0] * stride, 1e-5f);
}

TEST(BoxEncoding, DecodeOfAConvertedCenterNetMapGivesTheReferenceBox) {
    // One peak at cell (2, 1) of a 4x4 map, stride 4, letterbox 1:1 on a 16x16 image.
    constexpr int n = 4, stride = 4;
    std::vector<float> heat(n * n, -10.0f), size(2 * n * n, 0.0f), offset(2 * n * n, 0.0f);
    const int i = 1 * n + 2;
    heat[i] = 5.0f;
    size[i] = 1.5f, size[n * n + i] = 1.0f, offset[i] = 0.5f, offset[n * n + i] = 0.25f;
    auto ltrb = box_map_in_input_pixels({size.data(), 2, n, n}, {offset.data(), 2, n, n}, BoxEncoding::CenterNetSizeOffset,
                                        BoxUnits::StrideUnits, stride);
    ASSERT_TRUE(ltrb.ok());
    auto decoded =
        decode_ttfnet({heat.data(), 1, n, n}, {ltrb.value().data(), 4, n, n}, {stride, 10, 0.1f}, make_letterbox(16, 16, 16, 16));
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    ASSERT_EQ(decoded.value().detections.size(), 1u);
    const Detection& d = decoded.value().detections[0];
    const Box want = centernet_reference(2, 1, 1.5f, 1.0f, 0.5f, 0.25f, stride); // (7, 3, 13, 7)
    EXPECT_NEAR(d.x1, want.x1, 1e-4f);
    EXPECT_NEAR(d.y1, want.y1, 1e-4f);
    EXPECT_NEAR(d.x2, want.x2, 1e-4f);
    EXPECT_NEAR(d.y2, want.y2, 1e-4f);
}

TEST(BoxEncoding, TtfnetDistancesAreScaledOnlyInStrideUnits) {
    std::vector<float> ltrb = {1, 2, 3, 4};
    auto same = box_map_in_input_pixels({ltrb.data(), 4, 1, 1}, {}, BoxEncoding::TtfnetLtrb, BoxUnits::InputPixels, 4);
    ASSERT_TRUE(same.ok());
    EXPECT_EQ(same.value(), ltrb);
    auto cells = box_map_in_input_pixels({ltrb.data(), 4, 1, 1}, {}, BoxEncoding::TtfnetLtrb, BoxUnits::StrideUnits, 4);
    ASSERT_TRUE(cells.ok());
    EXPECT_EQ(cells.value(), (std::vector<float>{4, 8, 12, 16}));
}

TEST(BoxEncoding, WrongShapesAreRefusedAndNonFiniteValuesKept) {
    std::vector<float> four(4 * 4, 1.0f), two(2 * 4, 1.0f), small(2 * 2, 1.0f);
    EXPECT_NE(box_map_in_input_pixels({two.data(), 2, 2, 2}, {}, BoxEncoding::TtfnetLtrb, BoxUnits::InputPixels, 4)
                  .error()
                  .find("4 channels"),
              std::string::npos);
    auto r = box_map_in_input_pixels({four.data(), 4, 2, 2}, {two.data(), 2, 2, 2}, BoxEncoding::CenterNetSizeOffset,
                                     BoxUnits::StrideUnits, 4);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("[4,2,2]"), std::string::npos) << r.error();
    EXPECT_FALSE(box_map_in_input_pixels({two.data(), 2, 2, 2}, {small.data(), 2, 1, 2}, BoxEncoding::CenterNetSizeOffset,
                                         BoxUnits::StrideUnits, 4)
                     .ok());
    EXPECT_FALSE(box_map_in_input_pixels({two.data(), 2, 2, 2}, {two.data(), 2, 2, 2}, BoxEncoding::CenterNetSizeOffset,
                                         BoxUnits::StrideUnits, 0)
                     .ok());
    std::vector<float> size(2 * 4, 1.0f), offset(2 * 4, 0.0f);
    size[0] = std::numeric_limits<float>::quiet_NaN();
    offset[4 + 3] = std::numeric_limits<float>::infinity();
    auto kept = box_map_in_input_pixels({size.data(), 2, 2, 2}, {offset.data(), 2, 2, 2}, BoxEncoding::CenterNetSizeOffset,
                                        BoxUnits::StrideUnits, 4);
    ASSERT_TRUE(kept.ok());
    EXPECT_TRUE(std::isnan(kept.value()[0]));         // left of cell 0
    EXPECT_TRUE(std::isnan(kept.value()[2 * 4]));     // right of cell 0
    EXPECT_TRUE(std::isinf(kept.value()[1 * 4 + 3])); // top of cell 3
    EXPECT_TRUE(std::isinf(kept.value()[3 * 4 + 3])); // bottom of cell 3
}

} // namespace
