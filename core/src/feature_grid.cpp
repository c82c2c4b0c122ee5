#include "deadzone/feature_grid.h"

#include <algorithm>
#include <cmath>

namespace deadzone {

int nearest_cell(float input, int stride, int cells) {
    const float cell = std::floor(input / static_cast<float>(stride) + 0.5f);
    if (!(cell > 0.0f)) return 0; // also NaN
    return static_cast<int>(std::min(cell, static_cast<float>(cells - 1)));
}

namespace {

// u of input coordinate `input`: texel floor(u * cells) = floor(input / stride + 0.5).
float texel_coordinate(float input, int stride, int cells) {
    return (input / static_cast<float>(stride) + 0.5f) / static_cast<float>(cells);
}

} // namespace

FeatureMapUv feature_map_uv(const Letterbox& lb, int stride, int cells_x, int cells_y) {
    FeatureMapUv uv;
    uv.u0 = texel_coordinate(static_cast<float>(lb.pad_left), stride, cells_x);
    uv.v0 = texel_coordinate(static_cast<float>(lb.pad_top), stride, cells_y);
    uv.u1 = texel_coordinate(lb.source_width * lb.scale + lb.pad_left, stride, cells_x);
    uv.v1 = texel_coordinate(lb.source_height * lb.scale + lb.pad_top, stride, cells_y);
    return uv;
}

} // namespace deadzone
