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
    int exif_orientation = 1; // the EXIF Orientation decode_image applied (image_orientation.h); 1: none
};

// The refusal of a width x height image over the pixel budget, or "" when it fits.
std::string pixel_budget_error(std::int64_t width, std::int64_t height, const ImageLimits& limits);

// Decodes PNG/JPEG/BMP/GIF (first frame) bytes to RGB: PNG with libdeflate + libspng
// (core/src/png_decode.cpp), JPEG with libjpeg-turbo (core/src/jpeg_decode.cpp: the same pixels as
// PIL, OpenCV and torchvision), BMP and GIF with stb_image. A JPEG's EXIF orientation is applied
// (the picture as the camera meant it, so labels written for it match; recorded in exif_orientation).
// Refused, with a message naming the variant: CMYK JPEGs without an Adobe marker, and the BMP
// variants stb_image cannot read (RLE, embedded JPEG/PNG, OS/2 2.x headers); V2/V3 BITFIELDS BMPs are
// decoded. Also refused: empty, truncated or corrupt files, and images over limits.max_pixels.
Result<RgbImage> decode_image(const std::uint8_t* bytes, std::size_t size, const ImageLimits& limits = {});

// Reads a file and decodes it; the error names the path.
Result<RgbImage> load_image_file(const std::string& path, const ImageLimits& limits = {});

// Which colour goes into each of the model's three input planes: R,G,B (PyTorch, torchvision, DeadZone's
// own exports) or B,G,R (models trained on OpenCV-loaded images: Caffe, many mmdetection configs).
enum class ChannelOrder { Rgb, Bgr };

// How pixels become model input values: plane value = (byte / 255 - mean) / std. mean and std are
// given per colour (R, G, B) whatever the plane order, so "ImageNet mean/std" means the same colours
// for an RGB and a BGR model.
struct Normalization {
    float mean[3] = {0.485f, 0.456f, 0.406f}; // ImageNet, per colour R,G,B, on [0,1] values
    float std[3] = {0.229f, 0.224f, 0.225f};
    ChannelOrder order = ChannelOrder::Rgb;

    bool operator==(const Normalization& o) const {
        for (int c = 0; c < 3; ++c)
            if (mean[c] != o.mean[c] || std[c] != o.std[c]) return false;
        return order == o.order;
    }
};

// A [1,3,H,W] float tensor ready for the model, and the geometry that produced it.
struct ModelInput {
    std::vector<float> nchw;
    Letterbox letterbox;
};

// Letterboxes `image` into input_width x input_height (bilinear, aspect kept, centred) and
// normalises each channel, writing the colours in norm.order (plane 0 is R for Rgb, B for Bgr).
//
// Exactly, in IEEE float32 with every operation rounded (no fused multiply-add), W x H the image:
//  1. Geometry (letterbox.h): scale = min(float(input_width) / float(W), float(input_height) / float(H));
//     rw = clamp(lround(float(W) * scale), 1, input_width) (half away from zero), rh likewise;
//     pad_left = (input_width - rw) / 2, pad_top = (input_height - rh) / 2, integer division (an odd
//     remainder puts the extra pixel on the right / bottom).
//  2. Resize to rw x rh, skipped when rw == W and rh == H (the bytes are used as they are). Bilinear
//     with half-pixel centres (the sample positions of OpenCV's INTER_LINEAR and of PyTorch's
//     interpolate(align_corners=False); no antialiasing, so a 4x reduction reads 2 of every 4 pixels
//     per axis). Per axis, output i reads f = clamp((float(i) + 0.5) * (float(src) / float(dst)) - 0.5,
//     0, src - 1), lo = floor(f), hi = min(lo + 1, src - 1), w = f - lo. Horizontal pass first, on the
//     bytes of each source row: h = a + (b - a) * wx. Then vertical, rounded to 8 bit:
//     byte = floor(min(top + (bottom - top) * wy + 0.5, 255)).
//  3. Normalise each byte of colour c: value = float(byte) * s[c] - o[c], with s[c] = 1 / (255 * std[c])
//     and o[c] = mean[c] / std[c] computed in float32 (equal to (byte / 255 - mean) / std within an
//     ulp or two, not bit for bit).
//  4. Planes in norm.order; padding is exactly 0.0 (the mean colour).
// tests/core/preprocessing_numpy_check.py reproduces this bit for bit in numpy, from pixels decoded
// by OpenCV (libjpeg-turbo for JPEG, as decode_image).
ModelInput make_model_input(const RgbImage& image, int input_width, int input_height, const Normalization& norm = {});

// What make_model_input does, in words for a report: "letterboxed to 640x640 (bilinear, aspect kept,
// padding 0 after normalisation), (x/255 - mean) / std with mean 0.485,0.456,0.406 and std
// 0.229,0.224,0.225 per colour, RGB planes".
std::string describe_model_input(const Normalization& norm, int input_width, int input_height);

// The same, into `input`, reusing its buffer when it already has the size: every value, padding
// included, is written once. For callers that letterbox image after image (the explorer: zeroing a
// fresh 3 MB buffer first was a quarter of the letterbox's time).
void fill_model_input(const RgbImage& image, int input_width, int input_height, const Normalization& norm, ModelInput& input);

// Bilinear resize of an RGB image (used by the letterbox, and by the trainer's scale jitter).
RgbImage resize_bilinear(const RgbImage& image, int width, int height);

} // namespace deadzone
