// Drawing and PNG writing for ttfnet-eval. stb_image_write is compiled here with static linkage
// (STB_IMAGE_WRITE_STATIC), so it cannot clash with a test that defines its own implementation.
#include "ttfnet/eval.h"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>

namespace ttfnet {

namespace {

struct Rgb {
    std::uint8_t r, g, b;
};

Rgb class_colour(int cls) {
    static const Rgb kPalette[] = {{255, 56, 56},  {56, 160, 255}, {255, 200, 0},   {72, 220, 90},
                                   {200, 80, 255}, {0, 220, 220},  {255, 120, 200}, {255, 140, 40}};
    const int n = static_cast<int>(sizeof(kPalette) / sizeof(kPalette[0]));
    return kPalette[((cls % n) + n) % n];
}

void put(deadzone::RgbImage& img, int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
    std::uint8_t* p = &img.pixels[(static_cast<std::size_t>(y) * img.width + x) * 3];
    p[0] = c.r, p[1] = c.g, p[2] = c.b;
}

int to_px(float v, int limit) {
    if (!std::isfinite(v)) return 0;
    return std::clamp(static_cast<int>(std::lround(v)), 0, limit - 1);
}

} // namespace

void draw_detections(deadzone::RgbImage& image, const std::vector<deadzone::Detection>& detections) {
    if (image.width <= 0 || image.height <= 0 || image.pixels.size() < static_cast<std::size_t>(image.width) * image.height * 3)
        return;
    const int thick = std::min(image.width, image.height) < 200 ? 1 : 2;
    for (const deadzone::Detection& d : detections) {
        const Rgb c = class_colour(d.class_id);
        const int x1 = to_px(d.x1, image.width), x2 = to_px(d.x2, image.width);
        const int y1 = to_px(d.y1, image.height), y2 = to_px(d.y2, image.height);
        for (int t = 0; t < thick; ++t) {
            for (int x = x1; x <= x2; ++x) put(image, x, y1 + t, c), put(image, x, y2 - t, c);
            for (int y = y1; y <= y2; ++y) put(image, x1 + t, y, c), put(image, x2 - t, y, c);
        }
        // Centre dot: class colour inside a white ring, so it shows on the box edge it may sit on.
        const int cx = to_px(d.center_x, image.width), cy = to_px(d.center_y, image.height);
        for (int dy = -2; dy <= 2; ++dy)
            for (int dx = -2; dx <= 2; ++dx)
                put(image, cx + dx, cy + dy, (std::abs(dx) == 2 || std::abs(dy) == 2) ? Rgb{255, 255, 255} : c);
    }
}

deadzone::Result<bool> write_png(const std::string& path, const deadzone::RgbImage& image) {
    if (image.width <= 0 || image.height <= 0 || image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3)
        return deadzone::Error{"cannot write " + path + ": empty image"};
    if (stbi_write_png(path.c_str(), image.width, image.height, 3, image.pixels.data(), image.width * 3) == 0)
        return deadzone::Error{"cannot write PNG " + path};
    return true;
}

} // namespace ttfnet
