#include "deadzone/image_orientation.h"

#include <cstring>

namespace deadzone {

RgbImage apply_exif_orientation(const RgbImage& stored, int orientation) {
    if (orientation < 2 || orientation > 8) return stored;
    const int w = stored.width, h = stored.height;
    const bool swaps = orientation >= 5;
    RgbImage out;
    out.width = swaps ? h : w;
    out.height = swaps ? w : h;
    out.pixels.resize(stored.pixels.size());
    // For each output pixel (x, y), the stored pixel it shows.
    for (int y = 0; y < out.height; ++y) {
        std::uint8_t* row = out.pixels.data() + static_cast<std::size_t>(y) * out.width * 3;
        for (int x = 0; x < out.width; ++x) {
            int sx = x, sy = y;
            switch (orientation) {
            case 2: sx = w - 1 - x; break;
            case 3: sx = w - 1 - x, sy = h - 1 - y; break;
            case 4: sy = h - 1 - y; break;
            case 5: sx = y, sy = x; break;
            case 6: sx = y, sy = h - 1 - x; break;
            case 7: sx = w - 1 - y, sy = h - 1 - x; break;
            case 8: sx = w - 1 - y, sy = x; break;
            default: break;
            }
            std::memcpy(row + static_cast<std::size_t>(x) * 3, stored.pixels.data() + (static_cast<std::size_t>(sy) * w + sx) * 3,
                        3);
        }
    }
    return out;
}

const char* exif_orientation_name(int orientation) {
    switch (orientation) {
    case 2: return "mirrored left-right";
    case 3: return "turned 180 degrees";
    case 4: return "mirrored top-bottom";
    case 5: return "transposed";
    case 6: return "turned 90 degrees clockwise";
    case 7: return "transversed";
    case 8: return "turned 90 degrees counter-clockwise";
    default: return "as stored";
    }
}

} // namespace deadzone
