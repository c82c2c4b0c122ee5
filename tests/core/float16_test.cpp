#include "deadzone/float16.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace {

using deadzone::float_to_half;
using deadzone::half_to_float;

TEST(Float16, KnownValues) {
    EXPECT_EQ(half_to_float(0x3c00), 1.0f);
    EXPECT_EQ(half_to_float(0xc000), -2.0f);
    EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
    EXPECT_EQ(half_to_float(0x0001), 5.9604644775390625e-8f); // smallest subnormal
    EXPECT_EQ(half_to_float(0x0400), 6.103515625e-5f);        // smallest normal
    EXPECT_TRUE(std::isinf(half_to_float(0x7c00)));
    EXPECT_TRUE(std::isnan(half_to_float(0x7e00)));
    EXPECT_EQ(float_to_half(1.0f), 0x3c00);
    EXPECT_EQ(float_to_half(-2.0f), 0xc000);
    EXPECT_EQ(float_to_half(0.1f), 0x2e66); // 0.0999755859375
    EXPECT_EQ(float_to_half(1e6f), 0x7c00);
    EXPECT_EQ(float_to_half(-1e6f), 0xfc00);
    EXPECT_EQ(float_to_half(1e-9f), 0x0000);
    EXPECT_TRUE(std::isnan(half_to_float(float_to_half(std::numeric_limits<float>::quiet_NaN()))));
}

// Every half survives the round trip; ties round to even.
TEST(Float16, EveryHalfRoundTripsAndTiesGoToEven) {
    for (std::uint32_t h = 0; h <= 0xffff; ++h) {
        const float f = half_to_float(static_cast<std::uint16_t>(h));
        if (std::isnan(f)) continue;
        ASSERT_EQ(float_to_half(f), h) << std::hex << h;
    }
    // 1 + 2^-11 lies halfway between 1 (even) and 1 + 2^-10 (odd): it rounds to 1.
    EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
    // 1 + 3 * 2^-11 lies halfway between 0x3c01 (odd) and 0x3c02 (even): it rounds up.
    EXPECT_EQ(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
    // The same rule in the subnormal range: 1.5 and 2.5 smallest subnormals -> 2 and 2.
    EXPECT_EQ(float_to_half(1.5f * 5.9604644775390625e-8f), 0x0002);
    EXPECT_EQ(float_to_half(2.5f * 5.9604644775390625e-8f), 0x0002);
}

// Nearest: any float lands on a half no farther than half an ulp away.
TEST(Float16, FloatToHalfIsNearest) {
    for (float x = -70000.0f; x < 70000.0f; x += std::max(std::fabs(x) * 7e-4f, 1e-6f)) {
        const float y = half_to_float(float_to_half(x));
        if (std::fabs(x) > 65519.0f) {
            EXPECT_TRUE(std::isinf(y));
            continue;
        }
        const float ulp = std::fabs(x) < 6.103515625e-5f ? 5.9604644775390625e-8f : std::ldexp(1.0f, std::ilogb(x) - 10);
        ASSERT_LE(std::fabs(y - x), ulp / 2 * 1.0001f) << x;
    }
}

} // namespace
