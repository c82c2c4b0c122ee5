#include "ttfnet/data/augment.h"

#include <algorithm>
#include <cmath>

namespace ttfnet {

namespace {

// ImageNet mean in 0..255: padding with it becomes exactly 0 after normalisation, like the letterbox.
constexpr std::uint8_t kMean[3] = {124, 116, 104};

deadzone::RgbImage flip_horizontal(const deadzone::RgbImage& in) {
    deadzone::RgbImage out = in;
    for (int y = 0; y < in.height; ++y) {
        const std::uint8_t* src = &in.pixels[static_cast<std::size_t>(y) * in.width * 3];
        std::uint8_t* dst = &out.pixels[static_cast<std::size_t>(y) * in.width * 3];
        for (int x = 0; x < in.width; ++x) std::copy_n(src + (in.width - 1 - x) * 3, 3, dst + x * 3);
    }
    return out;
}

// Copies `in` into a new w x h canvas at (ox, oy) (either may be negative: that crops), the rest
// filled with the mean colour.
deadzone::RgbImage place(const deadzone::RgbImage& in, int w, int h, int ox, int oy) {
    deadzone::RgbImage out;
    out.width = w;
    out.height = h;
    out.pixels.resize(static_cast<std::size_t>(w) * h * 3);
    for (std::size_t i = 0; i < out.pixels.size(); ++i) out.pixels[i] = kMean[i % 3];
    for (int y = std::max(0, oy); y < std::min(h, oy + in.height); ++y) {
        const int x0 = std::max(0, ox), x1 = std::min(w, ox + in.width);
        if (x1 <= x0) continue;
        std::copy_n(&in.pixels[(static_cast<std::size_t>(y - oy) * in.width + (x0 - ox)) * 3], (x1 - x0) * 3,
                    &out.pixels[(static_cast<std::size_t>(y) * w + x0) * 3]);
    }
    return out;
}

} // namespace

PreparedSample prepare_sample(const Sample& sample, int input_width, int input_height, const AugmentOptions& options,
                              std::mt19937_64& rng) {
    std::uniform_real_distribution<double> u01(0.0, 1.0);
    const deadzone::RgbImage* image = &sample.image;
    std::vector<Box> boxes = sample.boxes, crowd = sample.crowd;
    std::vector<float> original_area(boxes.size());
    for (std::size_t i = 0; i < boxes.size(); ++i) original_area[i] = (boxes[i].x2 - boxes[i].x1) * (boxes[i].y2 - boxes[i].y1);
    // Objects and crowd regions move with the pixels alike.
    const auto for_each_box = [&](auto fn) {
        for (Box& b : boxes) fn(b);
        for (Box& b : crowd) fn(b);
    };

    deadzone::RgbImage flipped, placed;
    if (options.enabled && options.flip && u01(rng) < 0.5) {
        flipped = flip_horizontal(*image);
        image = &flipped;
        const float w = static_cast<float>(image->width);
        for_each_box([w](Box& b) {
            const float x1 = w - b.x2, x2 = w - b.x1;
            b.x1 = x1;
            b.x2 = x2;
        });
    }
    if (options.enabled && options.scale_max > 0 && (options.scale_min != 1.0f || options.scale_max != 1.0f)) {
        const double s = options.scale_min + (options.scale_max - options.scale_min) * u01(rng);
        const int w = std::max(1, static_cast<int>(std::lround(image->width / s)));
        const int h = std::max(1, static_cast<int>(std::lround(image->height / s)));
        // Random placement of the image in (or of the window on) the new canvas.
        const int ox = static_cast<int>(std::floor((w - image->width) * u01(rng)));
        const int oy = static_cast<int>(std::floor((h - image->height) * u01(rng)));
        placed = place(*image, w, h, ox, oy);
        image = &placed;
        for_each_box([&](Box& b) {
            b.x1 = std::clamp(b.x1 + ox, 0.0f, static_cast<float>(w));
            b.x2 = std::clamp(b.x2 + ox, 0.0f, static_cast<float>(w));
            b.y1 = std::clamp(b.y1 + oy, 0.0f, static_cast<float>(h));
            b.y2 = std::clamp(b.y2 + oy, 0.0f, static_cast<float>(h));
        });
    }

    deadzone::ModelInput input = deadzone::make_model_input(*image, input_width, input_height);
    PreparedSample out;
    out.chw = std::move(input.nchw);
    out.letterbox = input.letterbox;
    const deadzone::Letterbox& lb = out.letterbox;
    const auto to_input = [&lb](const Box& b) {
        return Box{b.x1 * lb.scale + lb.pad_left, b.y1 * lb.scale + lb.pad_top, b.x2 * lb.scale + lb.pad_left,
                   b.y2 * lb.scale + lb.pad_top, b.cls};
    };
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        const Box& b = boxes[i];
        const float area = (b.x2 - b.x1) * (b.y2 - b.y1);
        if (!(area > 0)) continue;
        const Box m = to_input(b);
        // An object mostly cut away by the crop, or too small to learn at this input size, is still
        // an object in the pixels: training it as background would teach the model to miss it, so it
        // becomes a "don't care" region instead.
        const bool learnable = area >= options.min_visible * original_area[i] && m.x2 - m.x1 >= options.min_box_size &&
                               m.y2 - m.y1 >= options.min_box_size;
        (learnable ? out.boxes : out.crowd).push_back(m);
    }
    for (const Box& b : crowd)
        if ((b.x2 - b.x1) * (b.y2 - b.y1) > 0) out.crowd.push_back(to_input(b));
    return out;
}

} // namespace ttfnet
