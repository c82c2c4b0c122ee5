#include "deadzone/image_input.h"

#include "deadzone/image_orientation.h"
#include "deadzone/jpeg_header.h"

#include "bmp_variant.h"
#include "jpeg_decode.h"
#include "png_decode.h"

#include <stb_image.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

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

std::string pixel_budget_error(std::int64_t width, std::int64_t height, const ImageLimits& limits) {
    const std::int64_t pixels = width * height;
    if (pixels <= limits.max_pixels) return {};
    return "the image is " + std::to_string(width) + "x" + std::to_string(height) + " (" + std::to_string(pixels / 1'000'000) +
           " MP), over the limit of " + std::to_string(limits.max_pixels / 1'000'000) + " MP";
}

Result<RgbImage> decode_image(const std::uint8_t* bytes, std::size_t size, const ImageLimits& limits) {
    if (bytes == nullptr || size == 0) return Error{"the file is empty"};
    if (size > static_cast<std::size_t>(std::numeric_limits<int>::max())) return Error{"the file is larger than 2 GB"};
    const ImageFormat format = sniff_image_format(bytes, size);
    if (format == ImageFormat::Unknown) return Error{"not a supported image (expected PNG, JPEG, BMP or GIF)"};
    if (format == ImageFormat::Png) return decode_png(bytes, size, limits);

    // BMP variants stb_image misreads are relabelled (a copy) or refused by name; JPEG headers give
    // the EXIF orientation and refuse CMYK whose colours are a guess, and libjpeg-turbo decodes them.
    std::optional<std::vector<std::uint8_t>> adapted;
    if (format == ImageFormat::Bmp) {
        // The budget before adapt_bmp_for_stb may copy the file (stbi_info below checks the same
        // again, for every format).
        if (const std::optional<BmpSize> declared = bmp_declared_size(bytes, size))
            if (std::string refusal = pixel_budget_error(declared->width, declared->height, limits); !refusal.empty())
                return Error{refusal};
        Result<std::optional<std::vector<std::uint8_t>>> bmp = adapt_bmp_for_stb(bytes, size);
        if (!bmp) return Error{bmp.error()};
        adapted = std::move(bmp).value();
        if (adapted) bytes = adapted->data(), size = adapted->size();
    } else if (format == ImageFormat::Jpeg) {
        const JpegHeader jpeg = read_jpeg_header(bytes, size);
        if (jpeg.components == 4 && jpeg.adobe_transform < 0)
            return Error{"a 4-component (CMYK) JPEG without an Adobe marker: its colours depend on the program that "
                         "wrote it, so DeadZone does not guess them; save it as an RGB JPEG or PNG"};
        Result<RgbImage> decoded = decode_jpeg(bytes, size, limits);
        if (!decoded || jpeg.orientation == 1) return decoded;
        RgbImage upright = apply_exif_orientation(decoded.value(), jpeg.orientation);
        upright.exif_orientation = jpeg.orientation;
        return upright;
    }

    // BMP and GIF: stb_image. The header first, so an oversized image is refused before a
    // single pixel is allocated.
    int width = 0, height = 0, channels = 0;
    const int len = static_cast<int>(size);
    // stbi_info tries every format in turn, so its failure reason names the last one tried, not
    // ours; the message therefore says what can be wrong with a header without quoting stb.
    if (!stbi_info_from_memory(bytes, len, &width, &height, &channels))
        return Error{std::string("corrupt or truncated ") + image_format_name(format) + " header, or an image of 0 pixels"};
    // A negative BMP height is a top-down file (rows stored first to last), as valid as bottom-up;
    // stbi_info reports it signed, stbi_load decodes both.
    if (format == ImageFormat::Bmp && height < 0 && height != std::numeric_limits<int>::min()) height = -height;
    if (width <= 0 || height <= 0)
        return Error{std::string("the ") + image_format_name(format) + " image has no pixels (" + std::to_string(width) + "x" +
                     std::to_string(height) + ")"};
    if (std::string refusal = pixel_budget_error(width, height, limits); !refusal.empty()) return Error{refusal};
    const std::int64_t pixels = static_cast<std::int64_t>(width) * height;

    std::unique_ptr<stbi_uc, void (*)(void*)> data(stbi_load_from_memory(bytes, len, &width, &height, &channels, 3),
                                                   stbi_image_free);
    if (!data)
        return Error{std::string("corrupt or truncated ") + image_format_name(format) + " data (" + stbi_failure_reason() + ")"};
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

namespace {

// Where one output row or column samples the source: the two neighbours and the weight of the second.
// Pixel-centre aligned (align_corners = false), clamped at the borders.
struct BilinearTaps {
    std::vector<int> lo, hi;
    std::vector<float> w;
};

BilinearTaps bilinear_taps(int source_size, int target_size) {
    BilinearTaps t;
    t.lo.resize(static_cast<std::size_t>(target_size));
    t.hi.resize(t.lo.size());
    t.w.resize(t.lo.size());
    const float step = static_cast<float>(source_size) / static_cast<float>(target_size);
    for (int i = 0; i < target_size; ++i) {
        const float f = std::clamp((static_cast<float>(i) + 0.5f) * step - 0.5f, 0.0f, static_cast<float>(source_size - 1));
        const int lo = static_cast<int>(f);
        t.lo[static_cast<std::size_t>(i)] = lo;
        t.hi[static_cast<std::size_t>(i)] = std::min(lo + 1, source_size - 1);
        t.w[static_cast<std::size_t>(i)] = f - static_cast<float>(lo);
    }
    return t;
}

// One output row of the resampler, planar: channel c of the two horizontally resampled source rows
// it blends starts at top + c * width and bottom + c * width. Planar, so that blending a row and
// normalising it are loops over contiguous floats, which the compiler vectorises (wasm SIMD in the
// browser); the RGB-interleaved layout had a gather per value.
struct BlendedRow {
    const float* top;
    const float* bottom;
    float wy;
    int width;
};

// The output value before it becomes a byte: a weighted mean of bytes, so within [0, 255] and the
// conversion to an integer below is exact truncation of a non-negative value (round half up).
inline float blend_rounded(float top, float bottom, float wy) { return std::min(top + (bottom - top) * wy + 0.5f, 255.0f); }

#if defined(__wasm_simd128__)
// The horizontal pass for output pixels [0, end) (end from resample_bilinear: each left tap lo has
// lo + 1 as its right tap and lo * 3 + 8 <= the row's bytes), four pixels at a time with wasm SIMD;
// returns where it stopped (a multiple of 4). Per pixel, one 8-byte load holds both neighbours'
// RGB; the lanes compute exactly the scalar loop's a + (b - a) * w, and a 4x4 transpose turns four
// [r g b -] results into the planar rows. This is the explorer's letterbox (wasm only; native
// builds use the scalar loop, and core_tests_wasm checks both agree with the per-pixel definition).
std::size_t horizontal_simd(const std::uint8_t* in, const BilinearTaps& tx, std::size_t end, float* r, float* g, float* b) {
    const v128_t left_rgb = wasm_i8x16_const(0, 16, 16, 16, 1, 16, 16, 16, 2, 16, 16, 16, 16, 16, 16, 16);
    const v128_t right_rgb = wasm_i8x16_const(3, 16, 16, 16, 4, 16, 16, 16, 5, 16, 16, 16, 16, 16, 16, 16);
    std::size_t x = 0;
    for (; x + 4 <= end; x += 4) {
        v128_t px[4]; // [r g b 0] of output pixels x .. x + 3
        for (std::size_t k = 0; k < 4; ++k) {
            const v128_t bytes = wasm_v128_load64_zero(in + static_cast<std::size_t>(tx.lo[x + k]) * 3);
            // swizzle: lane indices >= 16 give 0, so each byte lands zero-extended in a 32-bit lane
            const v128_t a = wasm_f32x4_convert_u32x4(wasm_i8x16_swizzle(bytes, left_rgb));
            const v128_t c = wasm_f32x4_convert_u32x4(wasm_i8x16_swizzle(bytes, right_rgb));
            px[k] = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_f32x4_sub(c, a), wasm_f32x4_splat(tx.w[x + k])));
        }
        const v128_t rg01 = wasm_i32x4_shuffle(px[0], px[1], 0, 4, 1, 5);
        const v128_t rg23 = wasm_i32x4_shuffle(px[2], px[3], 0, 4, 1, 5);
        const v128_t b01 = wasm_i32x4_shuffle(px[0], px[1], 2, 6, 3, 7);
        const v128_t b23 = wasm_i32x4_shuffle(px[2], px[3], 2, 6, 3, 7);
        wasm_v128_store(r + x, wasm_i32x4_shuffle(rg01, rg23, 0, 1, 4, 5));
        wasm_v128_store(g + x, wasm_i32x4_shuffle(rg01, rg23, 2, 3, 6, 7));
        wasm_v128_store(b + x, wasm_i32x4_shuffle(b01, b23, 0, 1, 4, 5));
    }
    return x;
}
#endif

// Bilinear resize of src to width x height, calling emit_row(y, row) with each output row. The one
// resampler behind resize_bilinear() and make_model_input(), so the model input is exactly the
// resized image, normalised. Separable: each source row is resampled horizontally once into a
// planar float row (the last two are kept, so output rows that share a source row reuse it), then
// each output row is one vertical blend. The order of operations is the definition (see
// ResizeBilinear.MatchesThePerPixelDefinitionBitForBit), so native and wasm builds agree bit for
// bit. This runs on every image the explorer shows, inside its drop-to-boxes latency budget.
template <typename EmitRow>
void resample_bilinear(const RgbImage& src, int width, int height, EmitRow emit_row) {
    const BilinearTaps tx = bilinear_taps(src.width, width), ty = bilinear_taps(src.height, height);
    const std::size_t plane = static_cast<std::size_t>(width);
    const std::size_t stride = static_cast<std::size_t>(src.width) * 3;
    std::vector<float> cache[2] = {std::vector<float>(plane * 3), std::vector<float>(plane * 3)};
    int cached_row[2] = {-1, -1};
#if defined(__wasm_simd128__)
    // Taps are non-decreasing: up to simd_end every left tap has its right neighbour and one more
    // byte after it within the row (lo <= width - 3), so an 8-byte load at it stays in the image.
    std::size_t simd_end = 0;
    while (simd_end < plane && tx.lo[simd_end] <= src.width - 3) ++simd_end;
#endif
    // The horizontally resampled source row sy, computed into a slot that does not hold `keep`.
    auto horizontal = [&](int sy, int keep) -> const float* {
        for (int k = 0; k < 2; ++k)
            if (cached_row[k] == sy) return cache[k].data();
        const int slot = cached_row[0] == keep ? 1 : 0;
        const std::uint8_t* in = src.pixels.data() + static_cast<std::size_t>(sy) * stride;
        float* r = cache[slot].data();
        float* g = r + plane;
        float* b = g + plane;
        std::size_t x = 0;
#if defined(__wasm_simd128__)
        x = horizontal_simd(in, tx, simd_end, r, g, b);
#endif
        for (; x < plane; ++x) {
            const std::uint8_t* p = in + static_cast<std::size_t>(tx.lo[x]) * 3;
            const std::uint8_t* q = in + static_cast<std::size_t>(tx.hi[x]) * 3;
            const float wx = tx.w[x];
            r[x] = static_cast<float>(p[0]) + (static_cast<float>(q[0]) - static_cast<float>(p[0])) * wx;
            g[x] = static_cast<float>(p[1]) + (static_cast<float>(q[1]) - static_cast<float>(p[1])) * wx;
            b[x] = static_cast<float>(p[2]) + (static_cast<float>(q[2]) - static_cast<float>(p[2])) * wx;
        }
        cached_row[slot] = sy;
        return r;
    };
    for (int y = 0; y < height; ++y) {
        const int lo = ty.lo[static_cast<std::size_t>(y)], hi = ty.hi[static_cast<std::size_t>(y)];
        const float* top = horizontal(lo, hi);
        const float* bottom = horizontal(hi, lo);
        emit_row(y, BlendedRow{top, bottom, ty.w[static_cast<std::size_t>(y)], width});
    }
}

} // namespace

RgbImage resize_bilinear(const RgbImage& src, int width, int height) {
    RgbImage dst;
    dst.width = width;
    dst.height = height;
    dst.pixels.resize(static_cast<std::size_t>(width) * height * 3);
    const std::size_t row_bytes = static_cast<std::size_t>(width) * 3;
    std::uint8_t* out = dst.pixels.data();
    resample_bilinear(src, width, height, [out, row_bytes](int y, const BlendedRow& row) {
        std::uint8_t* o = out + static_cast<std::size_t>(y) * row_bytes;
        for (int c = 0; c < 3; ++c) {
            const float* t = row.top + static_cast<std::size_t>(c) * row.width;
            const float* b = row.bottom + static_cast<std::size_t>(c) * row.width;
            for (int x = 0; x < row.width; ++x)
                o[static_cast<std::size_t>(x) * 3 + c] = static_cast<std::uint8_t>(blend_rounded(t[x], b[x], row.wy));
        }
    });
    return dst;
}

std::string describe_model_input(const Normalization& norm, int input_width, int input_height) {
    auto triple = [](const float(&v)[3]) {
        std::string s;
        for (int c = 0; c < 3; ++c) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%s%.6g", c ? "," : "", static_cast<double>(v[c]));
            s += buf;
        }
        return s;
    };
    return "letterboxed to " + std::to_string(input_width) + "x" + std::to_string(input_height) +
           " (bilinear, aspect kept, padding 0 after normalisation), (x/255 - mean) / std with mean " + triple(norm.mean) +
           " and std " + triple(norm.std) + " per colour, " + (norm.order == ChannelOrder::Bgr ? "BGR" : "RGB") + " planes";
}

ModelInput make_model_input(const RgbImage& image, int input_width, int input_height, const Normalization& norm) {
    ModelInput input;
    fill_model_input(image, input_width, input_height, norm, input);
    return input;
}

void fill_model_input(const RgbImage& image, int input_width, int input_height, const Normalization& norm, ModelInput& input) {
    input.letterbox = make_letterbox(image.width, image.height, input_width, input_height);
    const Letterbox& lb = input.letterbox;
    const std::size_t plane = static_cast<std::size_t>(input_width) * input_height;
    input.nchw.resize(plane * 3);
    // Padding: 0 == the mean colour after normalisation. Above and below the image whole rows,
    // beside it the left and right margins of its rows.
    for (int c = 0; c < 3; ++c) {
        float* p = input.nchw.data() + static_cast<std::size_t>(c) * plane;
        const auto zero = [p, input_width](int y, int x0, int x1) {
            std::fill(p + static_cast<std::size_t>(y) * input_width + x0, p + static_cast<std::size_t>(y) * input_width + x1,
                      0.0f);
        };
        for (int y = 0; y < input_height; ++y) {
            if (y < lb.pad_top || y >= lb.pad_top + lb.resized_height) {
                zero(y, 0, input_width);
            } else {
                zero(y, 0, lb.pad_left);
                zero(y, lb.pad_left + lb.resized_width, input_width);
            }
        }
    }

    // Normalisation of a byte v in channel c: v * scale[c] - offset[c], the same two float
    // operations for every value on every platform (a table lookup would block vectorisation).
    float scale[3], offset[3];
    for (int c = 0; c < 3; ++c) {
        scale[c] = 1.0f / (255.0f * norm.std[c]);
        offset[c] = norm.mean[c] / norm.std[c];
    }
    // planes[c] is colour c's plane (c = R, G, B): a BGR model's first plane is blue.
    const bool bgr = norm.order == ChannelOrder::Bgr;
    float* planes[3] = {input.nchw.data() + (bgr ? 2 : 0) * plane, input.nchw.data() + plane,
                        input.nchw.data() + (bgr ? 0 : 2) * plane};
    const std::size_t origin = static_cast<std::size_t>(lb.pad_top) * input_width + lb.pad_left;
    const auto row_start = [&](int c, int y) { return planes[c] + origin + static_cast<std::size_t>(y) * input_width; };
    if (lb.resized_width == image.width && lb.resized_height == image.height) {
        const std::size_t row_bytes = static_cast<std::size_t>(image.width) * 3;
        for (int y = 0; y < image.height; ++y) {
            const std::uint8_t* rgb = image.pixels.data() + static_cast<std::size_t>(y) * row_bytes;
            for (int c = 0; c < 3; ++c) {
                float* out = row_start(c, y);
                for (int x = 0; x < image.width; ++x)
                    out[x] = static_cast<float>(rgb[static_cast<std::size_t>(x) * 3 + c]) * scale[c] - offset[c];
            }
        }
        return;
    }
    resample_bilinear(image, lb.resized_width, lb.resized_height, [&](int y, const BlendedRow& row) {
        for (int c = 0; c < 3; ++c) {
            const float* t = row.top + static_cast<std::size_t>(c) * row.width;
            const float* b = row.bottom + static_cast<std::size_t>(c) * row.width;
            float* out = row_start(c, y);
            const float s = scale[c], o = offset[c], wy = row.wy;
            // The byte, as an integer conversion (exact: see blend_rounded), then normalised.
            for (int x = 0; x < row.width; ++x)
                out[x] = static_cast<float>(static_cast<int>(blend_rounded(t[x], b[x], wy))) * s - o;
        }
    });
}

} // namespace deadzone
