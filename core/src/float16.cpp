#include "deadzone/float16.h"

#include <cstring>

namespace deadzone {

namespace {

std::uint32_t bits_of(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

float float_of(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

} // namespace

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
    if (exponent == 0x1f) return float_of(sign | 0x7f800000u | (mantissa << 13));            // inf, NaN
    if (exponent != 0) return float_of(sign | ((exponent + 112u) << 23) | (mantissa << 13)); // 127 - 15 = 112
    // Subnormal (or zero): mantissa * 2^-24, exact in float.
    const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
    return sign != 0 ? -magnitude : magnitude;
}

std::uint16_t float_to_half(float value) {
    const std::uint32_t u = bits_of(value);
    const std::uint16_t sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
    const std::uint32_t abs = u & 0x7fffffffu;
    if (abs > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u);  // NaN (quiet)
    if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u); // rounds past 65504: inf
    if (abs < 0x38800000u) {                // below the smallest normal half (2^-14): subnormal or zero
        if (abs < 0x33000000u) return sign; // under half of the smallest subnormal (2^-25): zero
        const std::uint32_t mantissa = (abs & 0x7fffffu) | 0x800000u;
        const int shift = 126 - static_cast<int>(abs >> 23); // 14..24: where the half's last bit lands
        const std::uint32_t half_ulp = 1u << (shift - 1), rest = mantissa & ((1u << shift) - 1);
        std::uint32_t result = mantissa >> shift;
        if (rest > half_ulp || (rest == half_ulp && (result & 1u))) ++result;
        return static_cast<std::uint16_t>(sign | result);
    }
    // Normal: rebias the exponent, round the 13 dropped mantissa bits to nearest even.
    std::uint32_t result = ((abs >> 13) - (112u << 10));
    const std::uint32_t rest = abs & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (result & 1u))) ++result;
    return static_cast<std::uint16_t>(sign | result);
}

void halves_to_floats(const std::uint16_t* in, std::size_t n, float* out) {
    for (std::size_t i = 0; i < n; ++i) out[i] = half_to_float(in[i]);
}

void floats_to_halves(const float* in, std::size_t n, std::uint16_t* out) {
    for (std::size_t i = 0; i < n; ++i) out[i] = float_to_half(in[i]);
}

} // namespace deadzone
