#include "deadzone/image_input.h"

#include <stb_image.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>

namespace deadzone {

const char* image_format_name(ImageFormat format) {
    switch (format) {
    case ImageFormat::Png: return "PNG";
    case ImageFormat::Jpeg: return "JPEG";
    case ImageFormat::Bmp: return "BMP";
    case ImageFormat::Gif: return "GIF";
    case ImageFormat::Unknown: break;
    }
    return "unknown";
}

ImageFormat sniff_image_format(const std::uint8_t* b, std::size_t n) {
    auto starts = [&](const char* magic, std::size_t len) { return n >= len && std::memcmp(b, magic, len) == 0; };
    if (starts("\x89PNG\r\n\x1a\n", 8)) return ImageFormat::Png;
    if (starts("\xff\xd8\xff", 3)) return ImageFormat::Jpeg;
    if (starts("BM", 2)) return ImageFormat::Bmp;
    if (starts("GIF87a", 6) || starts("GIF89a", 6)) return ImageFormat::Gif;
    return ImageFormat::Unknown;
}

Result<RgbImage> decode_image(const std::uint8_t* bytes, std::size_t size, const ImageLimits& limits) {
    if (bytes == nullptr || size == 0) return Error{"the file is empty"};
    if (size > static_cast<std::size_t>(std::numeric_limits<int>::max())) return Error{"the file is larger than 2 GB"};
    const ImageFormat format = sniff_image_format(bytes, size);
    if (format == ImageFormat::Unknown)
        return Error{"not a supported image (expected PNG, JPEG, BMP or GIF)"};

    // Read the header only, so an oversized image is refused before a single pixel is allocated.
    int width = 0, height = 0, channels = 0;
    const int len = static_cast<int>(size);
    // stbi_info tries every format in turn, so its failure reason names the last one tried, not
    // ours; the message therefore says what can be wrong with a header without quoting stb.
    if (!stbi_info_from_memory(bytes, len, &width, &height, &channels))
        return Error{std::string("corrupt or truncated ") + image_format_name(format) +
                     " header, or an image of 0 pixels"};
    if (width <= 0 || height <= 0)
        return Error{std::string("the ") + image_format_name(format) + " image has no pixels (" +
                     std::to_string(width) + "x" + std::to_string(height) + ")"};
    const std::int64_t pixels = static_cast<std::int64_t>(width) * height;
    if (pixels > limits.max_pixels)
        return Error{"the image is " + std::to_string(width) + "x" + std::to_string(height) + " (" +
                     std::to_string(pixels / 1'000'000) + " MP), over the limit of " +
                     std::to_string(limits.max_pixels / 1'000'000) + " MP"};

    std::unique_ptr<stbi_uc, void (*)(void*)> data(stbi_load_from_memory(bytes, len, &width, &height, &channels, 3),
                                                    stbi_image_free);
    if (!data)
        return Error{std::string("corrupt or truncated ") + image_format_name(format) + " data (" +
                     stbi_failure_reason() + ")"};
    RgbImage image;
    image.width = width;
    image.height = height;
    image.pixels.assign(data.get(), data.get() + static_cast<std::size_t>(pixels) * 3);
    return image;
}

Result<RgbImage> load_image_file(const std::string& path, const ImageLimits& limits) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return Error{"cannot open '" + path + "'"};
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    Result<RgbImage> image = decode_image(bytes.data(), bytes.size(), limits);
    if (!image) return Error{"'" + path + "': " + image.error()};
    return image;
}

RgbImage resize_bilinear(const RgbImage& src, int width, int height) {
    RgbImage dst;
    dst.width = width;
    dst.height = height;
    dst.pixels.resize(static_cast<std::size_t>(width) * height * 3);
    // Pixel-centre aligned sampling (align_corners = false), clamped at the borders.
    const float sx = static_cast<float>(src.width) / static_cast<float>(width);
    const float sy = static_cast<float>(src.height) / static_cast<float>(height);
    for (int y = 0; y < height; ++y) {
        const float fy = std::clamp((static_cast<float>(y) + 0.5f) * sy - 0.5f, 0.0f, static_cast<float>(src.height - 1));
        const int y0 = static_cast<int>(fy);
        const int y1 = std::min(y0 + 1, src.height - 1);
        const float wy = fy - static_cast<float>(y0);
        for (int x = 0; x < width; ++x) {
            const float fx = std::clamp((static_cast<float>(x) + 0.5f) * sx - 0.5f, 0.0f, static_cast<float>(src.width - 1));
            const int x0 = static_cast<int>(fx);
            const int x1 = std::min(x0 + 1, src.width - 1);
            const float wx = fx - static_cast<float>(x0);
            for (int c = 0; c < 3; ++c) {
                auto px = [&](int yy, int xx) {
                    return static_cast<float>(src.pixels[(static_cast<std::size_t>(yy) * src.width + xx) * 3 + c]);
                };
                const float top = px(y0, x0) + (px(y0, x1) - px(y0, x0)) * wx;
                const float bottom = px(y1, x0) + (px(y1, x1) - px(y1, x0)) * wx;
                const float v = top + (bottom - top) * wy;
                dst.pixels[(static_cast<std::size_t>(y) * width + x) * 3 + c] =
                    static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
            }
        }
    }
    return dst;
}

ModelInput make_model_input(const RgbImage& image, int input_width, int input_height, const Normalization& norm) {
    ModelInput input;
    input.letterbox = make_letterbox(image.width, image.height, input_width, input_height);
    const Letterbox& lb = input.letterbox;
    const RgbImage resized = (lb.resized_width == image.width && lb.resized_height == image.height)
                                 ? image
                                 : resize_bilinear(image, lb.resized_width, lb.resized_height);

    const std::size_t plane = static_cast<std::size_t>(input_width) * input_height;
    input.nchw.assign(plane * 3, 0.0f); // 0 == mean colour after normalisation
    for (int c = 0; c < 3; ++c) {
        float* out = input.nchw.data() + plane * c;
        const float scale = 1.0f / (255.0f * norm.std[c]);
        const float shift = norm.mean[c] / norm.std[c];
        for (int y = 0; y < lb.resized_height; ++y) {
            const std::uint8_t* row = resized.pixels.data() + static_cast<std::size_t>(y) * resized.width * 3;
            float* out_row = out + static_cast<std::size_t>(y + lb.pad_top) * input_width + lb.pad_left;
            for (int x = 0; x < lb.resized_width; ++x) out_row[x] = static_cast<float>(row[x * 3 + c]) * scale - shift;
        }
    }
    return input;
}

} // namespace deadzone
