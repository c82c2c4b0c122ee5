#include "deadzone/image_input.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace deadzone {
namespace {

using Bytes = std::vector<std::uint8_t>;

void append(void* context, void* data, int size) {
    auto* out = static_cast<Bytes*>(context);
    const auto* p = static_cast<const std::uint8_t*>(data);
    out->insert(out->end(), p, p + size);
}

RgbImage noise_image(int w, int h, unsigned seed) {
    RgbImage img{w, h, {}};
    img.pixels.resize(static_cast<size_t>(w) * h * 3);
    for (auto& p : img.pixels) {
        seed = seed * 1664525u + 1013904223u;
        p = static_cast<std::uint8_t>(seed >> 24);
    }
    return img;
}

Bytes encode_png(const RgbImage& img) {
    Bytes out;
    stbi_write_png_to_func(append, &out, img.width, img.height, 3, img.pixels.data(), img.width * 3);
    return out;
}

void put_be32(Bytes& b, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

// One PNG chunk: length, type, data and the CRC over type and data.
void put_chunk(Bytes& b, const char* type, const Bytes& data) {
    put_be32(b, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = b.size();
    b.insert(b.end(), type, type + 4);
    b.insert(b.end(), data.begin(), data.end());
    put_be32(b, static_cast<std::uint32_t>(crc32(0L, b.data() + start, static_cast<uInt>(b.size() - start))));
}

// A PNG signature, an IHDR chunk and an empty IDAT: a valid header with no pixel data at all.
Bytes png_header_only(std::uint32_t w, std::uint32_t h) {
    Bytes b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    Bytes ihdr;
    put_be32(ihdr, w);
    put_be32(ihdr, h);
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0}); // 8-bit RGB
    put_chunk(b, "IHDR", ihdr);
    put_chunk(b, "IDAT", {});
    return b;
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

TEST(ImageFormat, SniffsMagicBytes) {
    const Bytes png = encode_png(noise_image(2, 2, 1));
    EXPECT_EQ(sniff_image_format(png.data(), png.size()), ImageFormat::Png);
    const Bytes jpeg = {0xff, 0xd8, 0xff, 0xe0};
    EXPECT_EQ(sniff_image_format(jpeg.data(), jpeg.size()), ImageFormat::Jpeg);
    const std::string gif = "GIF89a";
    EXPECT_EQ(sniff_image_format(reinterpret_cast<const std::uint8_t*>(gif.data()), gif.size()), ImageFormat::Gif);
    const std::string tiff = "II*";
    EXPECT_EQ(sniff_image_format(reinterpret_cast<const std::uint8_t*>(tiff.data()), tiff.size()), ImageFormat::Unknown);
}

TEST(DecodeImage, PngRoundTripsExactly) {
    const RgbImage src = noise_image(13, 7, 42);
    const Bytes png = encode_png(src);
    Result<RgbImage> r = decode_image(png.data(), png.size());
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r.value().width, 13);
    EXPECT_EQ(r.value().height, 7);
    EXPECT_EQ(r.value().pixels, src.pixels);
}

TEST(DecodeImage, BmpRoundTripsExactly) {
    const RgbImage src = noise_image(5, 3, 7);
    Bytes bmp;
    stbi_write_bmp_to_func(append, &bmp, src.width, src.height, 3, src.pixels.data());
    Result<RgbImage> r = decode_image(bmp.data(), bmp.size());
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r.value().pixels, src.pixels);
}

TEST(DecodeImage, JpegDecodesToCloseColours) {
    RgbImage src{16, 16, std::vector<std::uint8_t>(16 * 16 * 3)};
    for (size_t i = 0; i < src.pixels.size(); i += 3) {
        src.pixels[i] = 200;
        src.pixels[i + 1] = 40;
        src.pixels[i + 2] = 90;
    }
    Bytes jpg;
    stbi_write_jpg_to_func(append, &jpg, 16, 16, 3, src.pixels.data(), 95);
    Result<RgbImage> r = decode_image(jpg.data(), jpg.size());
    ASSERT_TRUE(r.ok()) << r.error();
    for (size_t i = 0; i < src.pixels.size(); ++i) EXPECT_NEAR(r.value().pixels[i], src.pixels[i], 4) << "byte " << i;
}

TEST(DecodeImage, GifFirstFrameDecodes) {
    // 2x1 GIF, palette {red, blue}, pixels {0, 1}; LZW codes clear,0,1,end in 3-bit codes.
    const Bytes gif = {'G',  'I',  'F', '8', '9', 'a', 2, 0, 1, 0, 0x80, 0, 0, 0xff, 0,    0, 0,   0,
                       0xff, 0x2c, 0,   0,   0,   0,   2, 0, 1, 0, 0,    2, 2, 0x44, 0x0a, 0, 0x3b};
    Result<RgbImage> r = decode_image(gif.data(), gif.size());
    ASSERT_TRUE(r.ok()) << r.error();
    ASSERT_EQ(r.value().width, 2);
    const Bytes expected = {0xff, 0, 0, 0, 0, 0xff};
    EXPECT_EQ(r.value().pixels, expected);
}

TEST(DecodeImage, EmptyInputIsAClearError) {
    Result<RgbImage> r = decode_image(nullptr, 0);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(contains(r.error(), "empty")) << r.error();
}

TEST(DecodeImage, UnsupportedFormatIsAClearError) {
    const std::string text = "this is not an image at all";
    Result<RgbImage> r = decode_image(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(contains(r.error(), "not a supported image")) << r.error();
}

TEST(DecodeImage, TruncatedPngIsAClearError) {
    Bytes png = encode_png(noise_image(64, 64, 3));
    png.resize(png.size() / 2);
    Result<RgbImage> r = decode_image(png.data(), png.size());
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(contains(r.error(), "corrupt or truncated PNG")) << r.error();
}

TEST(DecodeImage, CorruptBytesAfterAValidMagicAreAClearError) {
    Bytes junk = {0xff, 0xd8, 0xff};
    for (int i = 0; i < 500; ++i) junk.push_back(static_cast<std::uint8_t>(i * 37));
    Result<RgbImage> r = decode_image(junk.data(), junk.size());
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(contains(r.error(), "JPEG")) << r.error();
}

TEST(DecodeImage, ZeroSizedImageIsRefused) {
    const Bytes png = png_header_only(0, 10);
    Result<RgbImage> r = decode_image(png.data(), png.size());
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(contains(r.error(), "0 pixels") || contains(r.error(), "no pixels")) << r.error();
}

TEST(DecodeImage, ImageOverPixelBudgetIsRefusedBeforeDecoding) {
    // The header claims 10000x10000 but there is no pixel data: the refusal must come from the
    // budget check on the header, never from an attempt to allocate and decode 300 MB.
    const Bytes png = png_header_only(10000, 10000);
    Result<RgbImage> r = decode_image(png.data(), png.size());
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(contains(r.error(), "10000x10000")) << r.error();
    EXPECT_TRUE(contains(r.error(), "over the limit of 50 MP")) << r.error();
}

TEST(DecodeImage, BudgetIsConfigurable) {
    const Bytes png = encode_png(noise_image(2000, 1, 5));
    ImageLimits limits;
    limits.max_pixels = 1000;
    EXPECT_FALSE(decode_image(png.data(), png.size(), limits).ok());
    EXPECT_TRUE(decode_image(png.data(), png.size()).ok());
}

TEST(LoadImageFile, MissingFileNamesThePath) {
    Result<RgbImage> r = load_image_file("/nonexistent/deadzone.png");
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(contains(r.error(), "/nonexistent/deadzone.png")) << r.error();
}

TEST(ResizeBilinear, UniformImageStaysUniformAndSizesAreRight) {
    RgbImage src{3, 5, std::vector<std::uint8_t>(3 * 5 * 3, 77)};
    const RgbImage dst = resize_bilinear(src, 8, 2);
    EXPECT_EQ(dst.width, 8);
    EXPECT_EQ(dst.height, 2);
    for (auto p : dst.pixels) EXPECT_EQ(p, 77);
}

TEST(ResizeBilinear, InterpolatesBetweenNeighbours) {
    // 2x1 black|white upscaled to 4x1: pixel centres at 0.25 and 0.75 of the source.
    RgbImage src{2, 1, {0, 0, 0, 255, 255, 255}};
    const RgbImage dst = resize_bilinear(src, 4, 1);
    EXPECT_EQ(dst.pixels[0], 0);   // clamped to the left pixel
    EXPECT_EQ(dst.pixels[3], 64);  // 0.25 of the way
    EXPECT_EQ(dst.pixels[6], 191); // 0.75 of the way
    EXPECT_EQ(dst.pixels[9], 255);
}

// The resampler's definition, one output pixel at a time and as plainly as possible: pixel-centre
// aligned bilinear taps clamped at the borders, the two source rows blended horizontally first,
// then vertically, rounded half up to a byte; the model input is that byte normalised. The fast
// paths in image_input.cpp (separable, row-cached, vectorisable) must agree with it bit for bit,
// because the browser's prediction dump is checked against ttfnet-eval's.
struct Tap {
    int lo, hi;
    float w;
};

Tap reference_tap(int i, int source_size, int target_size) {
    const float step = static_cast<float>(source_size) / static_cast<float>(target_size);
    const float f = std::clamp((static_cast<float>(i) + 0.5f) * step - 0.5f, 0.0f, static_cast<float>(source_size - 1));
    const int lo = static_cast<int>(f);
    return {lo, std::min(lo + 1, source_size - 1), f - static_cast<float>(lo)};
}

std::uint8_t reference_byte(const RgbImage& src, int width, int height, int x, int y, int c) {
    const Tap tx = reference_tap(x, src.width, width), ty = reference_tap(y, src.height, height);
    const auto at = [&](int sx, int sy) {
        return static_cast<float>(src.pixels[(static_cast<size_t>(sy) * src.width + sx) * 3 + c]);
    };
    const float top = at(tx.lo, ty.lo) + (at(tx.hi, ty.lo) - at(tx.lo, ty.lo)) * tx.w;
    const float bottom = at(tx.lo, ty.hi) + (at(tx.hi, ty.hi) - at(tx.lo, ty.hi)) * tx.w;
    return static_cast<std::uint8_t>(std::min(top + (bottom - top) * ty.w + 0.5f, 255.0f));
}

float reference_normalised(std::uint8_t v, const Normalization& norm, int c) {
    return static_cast<float>(v) * (1.0f / (255.0f * norm.std[c])) - norm.mean[c] / norm.std[c];
}

TEST(ResizeBilinear, MatchesThePerPixelDefinitionBitForBit) {
    const int sizes[][4] = {{640, 400, 512, 320}, {37, 23, 64, 40}, {301, 17, 97, 5},   {1, 9, 3, 27},
                            {50, 50, 50, 50},     {9, 1, 4, 1},     {383, 127, 128, 43}};
    unsigned seed = 7;
    for (const auto& s : sizes) {
        const RgbImage src = noise_image(s[0], s[1], seed++);
        const RgbImage dst = resize_bilinear(src, s[2], s[3]);
        int mismatches = 0;
        for (int y = 0; y < s[3]; ++y)
            for (int x = 0; x < s[2]; ++x)
                for (int c = 0; c < 3; ++c)
                    mismatches +=
                        dst.pixels[(static_cast<size_t>(y) * s[2] + x) * 3 + c] != reference_byte(src, s[2], s[3], x, y, c);
        EXPECT_EQ(mismatches, 0) << s[0] << "x" << s[1] << " -> " << s[2] << "x" << s[3];
    }
}

TEST(ModelInput, MatchesThePerPixelDefinitionBitForBit) {
    // Wide, tall, upscaled, same size (no resampling) and a 1-pixel source, with a non-default
    // normalisation so each channel's constants are used where they belong.
    const int sizes[][4] = {{640, 400, 512, 512}, {400, 640, 512, 512}, {23, 37, 64, 64},    {64, 32, 64, 64},
                            {32, 32, 32, 32},     {1, 1, 8, 8},         {299, 374, 128, 128}};
    Normalization norm;
    norm.mean[0] = 0.3f, norm.mean[1] = 0.6f, norm.mean[2] = 0.1f;
    norm.std[0] = 0.2f, norm.std[1] = 0.5f, norm.std[2] = 0.3f;
    unsigned seed = 11;
    for (const auto& s : sizes) {
        const RgbImage src = noise_image(s[0], s[1], seed++);
        const ModelInput in = make_model_input(src, s[2], s[3], norm);
        const Letterbox& lb = in.letterbox;
        int mismatches = 0;
        for (int c = 0; c < 3; ++c) {
            for (int y = 0; y < s[3]; ++y) {
                for (int x = 0; x < s[2]; ++x) {
                    const int rx = x - lb.pad_left, ry = y - lb.pad_top;
                    const bool inside = rx >= 0 && ry >= 0 && rx < lb.resized_width && ry < lb.resized_height;
                    const float expected =
                        inside
                            ? reference_normalised(reference_byte(src, lb.resized_width, lb.resized_height, rx, ry, c), norm, c)
                            : 0.0f;
                    const float got = in.nchw[(static_cast<size_t>(c) * s[3] + y) * s[2] + x];
                    mismatches += std::memcmp(&got, &expected, sizeof got) != 0;
                }
            }
        }
        EXPECT_EQ(mismatches, 0) << s[0] << "x" << s[1] << " -> " << s[2] << "x" << s[3];
    }
}

TEST(ModelInput, LetterboxesAndNormalisesToNchw) {
    // A uniform 4x2 image into 8x8: scaled 2x to 8x4, two padding rows above and below.
    const std::uint8_t r = 255, g = 128, b = 0;
    RgbImage img{4, 2, {}};
    for (int i = 0; i < 8; ++i) img.pixels.insert(img.pixels.end(), {r, g, b});
    const ModelInput in = make_model_input(img, 8, 8);
    ASSERT_EQ(in.nchw.size(), 3u * 8 * 8);
    EXPECT_EQ(in.letterbox.pad_top, 2);
    EXPECT_EQ(in.letterbox.resized_height, 4);
    const Normalization norm;
    const float expected[3] = {(r / 255.0f - norm.mean[0]) / norm.std[0], (g / 255.0f - norm.mean[1]) / norm.std[1],
                               (b / 255.0f - norm.mean[2]) / norm.std[2]};
    for (int c = 0; c < 3; ++c) {
        for (int y = 0; y < 8; ++y) {
            for (int x = 0; x < 8; ++x) {
                const float v = in.nchw[(static_cast<size_t>(c) * 8 + y) * 8 + x];
                const bool padding = y < 2 || y >= 6;
                EXPECT_NEAR(v, padding ? 0.0f : expected[c], 1e-5) << "c=" << c << " y=" << y << " x=" << x;
            }
        }
    }
}

TEST(ModelInput, BgrOrderPutsBlueFirstAndKeepsEachColoursMeanAndStd) {
    // Same-size (no resampling) and letterboxed paths both reorder the planes.
    Normalization norm;
    norm.mean[0] = 0.3f, norm.mean[1] = 0.6f, norm.mean[2] = 0.1f;
    norm.std[0] = 0.2f, norm.std[1] = 0.5f, norm.std[2] = 0.3f;
    Normalization bgr = norm;
    bgr.order = ChannelOrder::Bgr;
    EXPECT_FALSE(bgr == norm);
    for (const int size : {16, 24}) {
        const RgbImage src = noise_image(16, 12, 5);
        const ModelInput rgb_in = make_model_input(src, size, size, norm), bgr_in = make_model_input(src, size, size, bgr);
        const std::size_t plane = static_cast<std::size_t>(size) * size;
        ASSERT_EQ(bgr_in.nchw.size(), 3 * plane);
        for (int c = 0; c < 3; ++c) // BGR plane c holds RGB plane 2 - c, value for value
            EXPECT_TRUE(std::equal(bgr_in.nchw.begin() + static_cast<long>(c * plane),
                                   bgr_in.nchw.begin() + static_cast<long>((c + 1) * plane),
                                   rgb_in.nchw.begin() + static_cast<long>((2 - c) * plane)))
                << "plane " << c << " at " << size;
    }
}

TEST(ModelInput, ReusedBufferGivesTheSameInputAsAFreshOne) {
    // fill_model_input writes padding itself instead of zeroing the buffer first: after a wide image
    // (padding above and below) and garbage, a tall one (padding left and right) must come out as
    // if the buffer were new.
    RgbImage wide{6, 2, {}}, tall{3, 7, {}};
    for (int i = 0; i < 6 * 2 * 3; ++i) wide.pixels.push_back(static_cast<std::uint8_t>(i * 13));
    for (int i = 0; i < 3 * 7 * 3; ++i) tall.pixels.push_back(static_cast<std::uint8_t>(250 - i * 3));
    ModelInput reused;
    fill_model_input(wide, 8, 8, Normalization{}, reused);
    EXPECT_EQ(reused.nchw, make_model_input(wide, 8, 8).nchw);
    std::fill(reused.nchw.begin(), reused.nchw.end(), 42.0f);
    fill_model_input(tall, 8, 8, Normalization{}, reused);
    const ModelInput fresh = make_model_input(tall, 8, 8);
    EXPECT_GT(fresh.letterbox.pad_left, 0);
    EXPECT_EQ(reused.nchw, fresh.nchw);
    EXPECT_EQ(reused.letterbox.pad_left, fresh.letterbox.pad_left);
}

} // namespace
} // namespace deadzone
