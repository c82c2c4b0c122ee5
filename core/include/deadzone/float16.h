// IEEE 754 binary16 <-> binary32, for models exported in half precision: ONNX float16 tensors hold
// the 16-bit patterns (TensorProto.FLOAT16; ORT Web hands them over as Uint16Array). Exact for every
// half value; float -> half rounds to nearest, ties to even, overflows to +-inf, keeps NaN a NaN.
#pragma once

#include <cstddef>
#include <cstdint>

namespace deadzone {

float half_to_float(std::uint16_t bits);
std::uint16_t float_to_half(float value);

// n values from `in` to `out` (the buffers must not overlap).
void halves_to_floats(const std::uint16_t* in, std::size_t n, float* out);
void floats_to_halves(const float* in, std::size_t n, std::uint16_t* out);

} // namespace deadzone
