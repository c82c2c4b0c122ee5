#include "deadzone/letterbox.h"

#include <gtest/gtest.h>

namespace deadzone {
namespace {

TEST(Letterbox, WideImageIsPaddedTopAndBottom) {
    const Letterbox lb = make_letterbox(1000, 500, 512, 512);
    EXPECT_FLOAT_EQ(lb.scale, 0.512f);
    EXPECT_EQ(lb.resized_width, 512);
    EXPECT_EQ(lb.resized_height, 256);
    EXPECT_EQ(lb.pad_left, 0);
    EXPECT_EQ(lb.pad_top, 128);
}

TEST(Letterbox, TallImageIsPaddedLeftAndRight) {
    const Letterbox lb = make_letterbox(100, 400, 64, 64);
    EXPECT_EQ(lb.resized_width, 16);
    EXPECT_EQ(lb.resized_height, 64);
    EXPECT_EQ(lb.pad_left, 24);
    EXPECT_EQ(lb.pad_top, 0);
}

TEST(Letterbox, MapsInputPixelsBackToSource) {
    const Letterbox lb = make_letterbox(1000, 500, 512, 512);
    EXPECT_NEAR(lb.to_source_x(0.0f), 0.0f, 1e-4);
    EXPECT_NEAR(lb.to_source_x(512.0f), 1000.0f, 1e-3);
    EXPECT_NEAR(lb.to_source_y(128.0f), 0.0f, 1e-4);
    EXPECT_NEAR(lb.to_source_y(384.0f), 500.0f, 1e-3);
}

TEST(Letterbox, ExtremeAspectKeepsAtLeastOnePixel) {
    const Letterbox lb = make_letterbox(10000, 1, 512, 512);
    EXPECT_EQ(lb.resized_width, 512);
    EXPECT_EQ(lb.resized_height, 1);
}

TEST(Letterbox, IdentityIsANoOp) {
    const Letterbox lb = identity_letterbox(320, 320);
    EXPECT_FLOAT_EQ(lb.scale, 1.0f);
    EXPECT_EQ(lb.pad_left, 0);
    EXPECT_FLOAT_EQ(lb.to_source_x(17.5f), 17.5f);
}

} // namespace
} // namespace deadzone
