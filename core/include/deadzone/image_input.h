// Image input: decode user-supplied bytes and turn them into a model input tensor.
//
// Everything here treats its input as untrusted (a file dragged into the browser, a path on the
// command line): every failure is a Result error with a message fit to show a user, and nothing is
// allocated for an image before its size has been checked against the pixel budget.
#pragma once

#include "deadzone/letterbox.h"
#include "deadzone/result.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace deadzone {

enum class ImageFormat { Unknown, Png, Jpeg, Bmp, Gif };

const char* image_format_name(ImageFormat format);

// Recognises the formats DeadZone accepts from their leading bytes.
ImageFormat sniff_image_format(const std::uint8_t* bytes, std::size_t size);

struct ImageLimits {
    std::int64_t max_pixels = 50'000'000; // 50 MP
};

// 8-bit RGB, row-major, 3 bytes per pixel.
struct RgbImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;
};

// The refusal of a width x height image over the pixel budget, or "" when it fits.
std::string pixel_budget_error(std::int64_t width, std::int64_t height, const ImageLimits& limits);

// Decodes PNG/JPEG/BMP/GIF (first frame) bytes to RGB: PNG with libdeflate +
// libspng (core/src/png_decode.cpp), the others with stb_image.
Result<RgbImage> decode_image(const std::uint8_t* bytes, std::size_t size, const ImageLimits& limits = {});

// Reads a file and decodes it; the error names the path.
Result<RgbImage> load_image_file(const std::string& path, const ImageLimits& limits = {});

struct Normalization {
    float mean[3] = {0.485f, 0.456f, 0.406f}; // ImageNet, RGB, on [0,1] values
    float std[3] = {0.229f, 0.224f, 0.225f};
};

// A [1,3,H,W] float tensor ready for the model, and the geometry that produced it.
struct ModelInput {
    std::vector<float> nchw;
    Letterbox letterbox;
};

// Letterboxes `image` into input_width x input_height (bilinear, aspect kept, centred) and
// normalises each channel. Padding is the mean colour, i.e. exactly 0 after normalisation.
ModelInput make_model_input(const RgbImage& image, int input_width, int input_height,
                            const Normalization& norm = {});

// The same, into `input`, reusing its buffer when it already has the size: every value, padding
// included, is written once. For callers that letterbox image after image (the explorer: zeroing a
// fresh 3 MB buffer first was a quarter of the letterbox's time).
void fill_model_input(const RgbImage& image, int input_width, int input_height, const Normalization& norm,
                      ModelInput& input);

// Bilinear resize of an RGB image (used by the letterbox, and by the trainer's scale jitter).
RgbImage resize_bilinear(const RgbImage& image, int width, int height);

} // namespace deadzone
