#include "deadzone/letterbox.h"

#include <algorithm>
#include <cmath>

namespace deadzone {

Letterbox make_letterbox(int source_width, int source_height, int input_width, int input_height) {
    Letterbox lb;
    lb.source_width = source_width;
    lb.source_height = source_height;
    lb.input_width = input_width;
    lb.input_height = input_height;
    lb.scale = std::min(static_cast<float>(input_width) / static_cast<float>(source_width),
                        static_cast<float>(input_height) / static_cast<float>(source_height));
    // Round, then clamp: a 1-pixel-wide source must still cover at least one input pixel, and
    // rounding must never overflow the input.
    lb.resized_width = std::clamp(static_cast<int>(std::lround(source_width * lb.scale)), 1, input_width);
    lb.resized_height = std::clamp(static_cast<int>(std::lround(source_height * lb.scale)), 1, input_height);
    lb.pad_left = (input_width - lb.resized_width) / 2;
    lb.pad_top = (input_height - lb.resized_height) / 2;
    return lb;
}

Letterbox identity_letterbox(int width, int height) { return make_letterbox(width, height, width, height); }

} // namespace deadzone
