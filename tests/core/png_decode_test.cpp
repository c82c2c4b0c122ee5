// PNG decoding (core/src/png_decode.cpp, libspng): every PNG pixel layout a user's file can have
// decodes to the RGB the file holds. The files are written by libspng's encoder with one row filter
// forced at a time, so each of the five filters is decoded on its own; the wasm build of these tests
// (core_tests_wasm) runs libspng's SSE2 filters as wasm SIMD, the path the explorer takes.
#include "deadzone/image_input.h"

#include <gtest/gtest.h>
#include <spng.h>
#include <zlib.h>

#include <algorithm>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace deadzone {
namespace {

using Bytes = std::vector<std::uint8_t>;

// One source image: the PNG's raw rows (big-endian samples, sub-byte samples packed high bits
// first) and the RGB a decoder must produce from them.
struct Source {
    spng_ihdr ihdr{};
    std::vector<spng_plte_entry> palette;
    Bytes raw;
    Bytes rgb;
};

struct Layout {
    const char* name;
    std::uint8_t color_type;
    std::uint8_t bit_depth;
    int channels; // samples per pixel (a palette index is one)
};

constexpr Layout kLayouts[] = {
    {"rgb8", SPNG_COLOR_TYPE_TRUECOLOR, 8, 3},    {"rgba8", SPNG_COLOR_TYPE_TRUECOLOR_ALPHA, 8, 4},
    {"grey8", SPNG_COLOR_TYPE_GRAYSCALE, 8, 1},   {"grey-alpha8", SPNG_COLOR_TYPE_GRAYSCALE_ALPHA, 8, 2},
    {"palette8", SPNG_COLOR_TYPE_INDEXED, 8, 1},  {"palette4", SPNG_COLOR_TYPE_INDEXED, 4, 1},
    {"grey1", SPNG_COLOR_TYPE_GRAYSCALE, 1, 1},   {"grey2", SPNG_COLOR_TYPE_GRAYSCALE, 2, 1},
    {"rgb16", SPNG_COLOR_TYPE_TRUECOLOR, 16, 3},  {"rgba16", SPNG_COLOR_TYPE_TRUECOLOR_ALPHA, 16, 4},
    {"grey16", SPNG_COLOR_TYPE_GRAYSCALE, 16, 1},
};

Source make_source(const Layout& layout, int width, int height, bool interlaced, unsigned seed) {
    Source s;
    s.ihdr.width = static_cast<std::uint32_t>(width);
    s.ihdr.height = static_cast<std::uint32_t>(height);
    s.ihdr.bit_depth = layout.bit_depth;
    s.ihdr.color_type = layout.color_type;
    s.ihdr.interlace_method = interlaced ? SPNG_INTERLACE_ADAM7 : SPNG_INTERLACE_NONE;
    auto next = [&seed](int bits) {
        seed = seed * 1664525u + 1013904223u;
        return static_cast<unsigned>(seed >> (32 - bits));
    };
    const int depth = layout.bit_depth;
    const int channels = layout.channels;
    const bool indexed = layout.color_type == SPNG_COLOR_TYPE_INDEXED;
    if (indexed)
        for (int i = 0; i < (1 << depth); ++i)
            s.palette.push_back({static_cast<std::uint8_t>(next(8)), static_cast<std::uint8_t>(next(8)),
                                 static_cast<std::uint8_t>(next(8)), 255});

    const std::size_t row_bytes = (static_cast<std::size_t>(width) * channels * depth + 7) / 8;
    s.raw.assign(row_bytes * height, 0);
    s.rgb.reserve(static_cast<std::size_t>(width) * height * 3);
    for (int y = 0; y < height; ++y) {
        std::uint8_t* row = s.raw.data() + row_bytes * y;
        std::size_t bit = 0;
        for (int x = 0; x < width; ++x) {
            unsigned sample[4] = {};
            for (int c = 0; c < channels; ++c) {
                const unsigned v = next(depth);
                sample[c] = v;
                if (depth == 16) {
                    row[bit / 8] = static_cast<std::uint8_t>(v >> 8);
                    row[bit / 8 + 1] = static_cast<std::uint8_t>(v);
                } else {
                    row[bit / 8] |= static_cast<std::uint8_t>(v << (8 - depth - bit % 8));
                }
                bit += static_cast<std::size_t>(depth);
            }
            // What the decoder must give: palette colour; grey scaled to 0..255 (1/2/4-bit) and
            // copied to R, G and B; 16-bit samples' high byte; alpha dropped.
            auto to8 = [depth](unsigned v) { return depth == 16 ? v >> 8 : v * 255u / ((1u << depth) - 1u); };
            if (indexed) {
                const spng_plte_entry& e = s.palette[sample[0]];
                s.rgb.insert(s.rgb.end(), {e.red, e.green, e.blue});
            } else if (channels <= 2) {
                const auto g = static_cast<std::uint8_t>(to8(sample[0]));
                s.rgb.insert(s.rgb.end(), {g, g, g});
            } else {
                for (int c = 0; c < 3; ++c) s.rgb.push_back(static_cast<std::uint8_t>(to8(sample[c])));
            }
        }
    }
    return s;
}

Bytes encode(const Source& s, int filter_choice) {
    std::unique_ptr<spng_ctx, decltype(&spng_ctx_free)> ctx(spng_ctx_new(SPNG_CTX_ENCODER), spng_ctx_free);
    spng_set_option(ctx.get(), SPNG_ENCODE_TO_BUFFER, 1);
    spng_set_option(ctx.get(), SPNG_FILTER_CHOICE, filter_choice);
    spng_ihdr ihdr = s.ihdr;
    EXPECT_EQ(spng_set_ihdr(ctx.get(), &ihdr), 0);
    if (!s.palette.empty()) {
        spng_plte plte{};
        plte.n_entries = static_cast<std::uint32_t>(s.palette.size());
        for (std::size_t i = 0; i < s.palette.size(); ++i) plte.entries[i] = s.palette[i];
        EXPECT_EQ(spng_set_plte(ctx.get(), &plte), 0);
    }
    const int e = spng_encode_image(ctx.get(), s.raw.data(), s.raw.size(), SPNG_FMT_RAW, SPNG_ENCODE_FINALIZE);
    EXPECT_EQ(e, 0) << spng_strerror(e);
    std::size_t len = 0;
    int error = 0;
    std::unique_ptr<void, decltype(&std::free)> buffer(spng_get_png_buffer(ctx.get(), &len, &error), std::free);
    EXPECT_EQ(error, 0) << spng_strerror(error);
    if (!buffer) return {};
    const auto* p = static_cast<const std::uint8_t*>(buffer.get());
    return Bytes(p, p + len);
}

struct Filter {
    const char* name;
    int choice;
};
constexpr Filter kFilters[] = {
    {"none", SPNG_FILTER_CHOICE_NONE},   {"sub", SPNG_FILTER_CHOICE_SUB},     {"up", SPNG_FILTER_CHOICE_UP},
    {"average", SPNG_FILTER_CHOICE_AVG}, {"paeth", SPNG_FILTER_CHOICE_PAETH},
};

void expect_decodes_to_source(const Source& s, const Bytes& png, const std::string& what) {
    ASSERT_FALSE(png.empty()) << what;
    Result<RgbImage> r = decode_image(png.data(), png.size());
    ASSERT_TRUE(r.ok()) << what << ": " << r.error();
    EXPECT_EQ(r.value().width, static_cast<int>(s.ihdr.width)) << what;
    EXPECT_EQ(r.value().height, static_cast<int>(s.ihdr.height)) << what;
    ASSERT_EQ(r.value().pixels.size(), s.rgb.size()) << what;
    std::size_t wrong = 0, first = 0;
    for (std::size_t i = 0; i < s.rgb.size(); ++i)
        if (r.value().pixels[i] != s.rgb[i] && wrong++ == 0) first = i;
    EXPECT_EQ(wrong, 0u) << what << ": first wrong value at byte " << first;
}

TEST(DecodePng, EveryRowFilterDecodesExactly) {
    // 37 pixels wide: the SIMD filters work on whole pixels, so an odd width exercises their tails.
    for (const Layout& layout : kLayouts) {
        const Source s = make_source(layout, 37, 9, false, 11);
        for (const Filter& f : kFilters)
            expect_decodes_to_source(s, encode(s, f.choice), std::string(layout.name) + ", filter " + f.name);
    }
}

TEST(DecodePng, InterlacedImagesDecodeExactly) {
    // Adam7 passes of 1 and 2 pixels, and one wider than a pass's stride.
    for (const Layout& layout : kLayouts)
        for (const int w : {1, 2, 13})
            for (const int h : {1, 3, 10}) {
                const Source s = make_source(layout, w, h, true, 5u + static_cast<unsigned>(w * h));
                expect_decodes_to_source(s, encode(s, SPNG_FILTER_CHOICE_ALL),
                                         std::string(layout.name) + " interlaced " + std::to_string(w) + "x" + std::to_string(h));
            }
}

TEST(DecodePng, ADamagedChunkIsRefusedNotShown) {
    const Source s = make_source(kLayouts[0], 16, 16, false, 3);
    Bytes png = encode(s, SPNG_FILTER_CHOICE_ALL);
    ASSERT_GT(png.size(), 80u);
    png[png.size() - 20] ^= 0x10; // a bit inside the image data: its chunk's CRC no longer matches
    Result<RgbImage> r = decode_image(png.data(), png.size());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("corrupt or truncated PNG data"), std::string::npos) << r.error();
}

// The PNG with its image data re-cut into IDAT chunks of at most `piece` bytes, and (when
// `damage_at` is set) one byte of that data changed, with valid CRCs: what a decoder sees is then
// exactly what the chunk layout or the compressed stream says.
Bytes recut_image_data(const Bytes& png, std::size_t piece, std::ptrdiff_t damage_at = -1) {
    Bytes head(png.begin(), png.begin() + 8), data, tail; // head: the signature and chunks before IDAT
    std::size_t at = 8;
    while (at + 12 <= png.size()) {
        const std::size_t len =
            (std::size_t{png[at]} << 24) | (std::size_t{png[at + 1]} << 16) | (std::size_t{png[at + 2]} << 8) | png[at + 3];
        const bool idat = std::equal(png.begin() + at + 4, png.begin() + at + 8, "IDAT");
        Bytes& dst = idat ? data : (data.empty() ? head : tail);
        if (idat) dst.insert(dst.end(), png.begin() + at + 8, png.begin() + at + 8 + len);
        else dst.insert(dst.end(), png.begin() + at, png.begin() + at + 12 + len);
        at += len + 12;
    }
    if (damage_at >= 0) data[static_cast<std::size_t>(damage_at)] ^= 0x5a;
    Bytes out = std::move(head);
    for (std::size_t i = 0; i < data.size(); i += piece) {
        const std::size_t n = std::min(piece, data.size() - i);
        for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(n >> s));
        const std::size_t start = out.size();
        out.insert(out.end(), {'I', 'D', 'A', 'T'});
        out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(i), data.begin() + static_cast<std::ptrdiff_t>(i + n));
        const auto crc = static_cast<std::uint32_t>(crc32(0L, out.data() + start, static_cast<uInt>(out.size() - start)));
        for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(crc >> s));
    }
    out.insert(out.end(), tail.begin(), tail.end());
    return out;
}

TEST(DecodePng, ImageDataSplitOverManyChunksDecodesExactly) {
    // 300x300 RGB: 270 KB of image data once inflated, more than 64 KB (the decoder's unit).
    const Source s = make_source(kLayouts[0], 300, 300, false, 21);
    const Bytes png = encode(s, SPNG_FILTER_CHOICE_ALL);
    for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{8192}, png.size()})
        expect_decodes_to_source(s, recut_image_data(png, piece), "IDAT chunks of " + std::to_string(piece) + " bytes");
}

TEST(DecodePng, DamagedCompressedDataIsRefused) {
    // Valid CRCs around a damaged deflate stream: the inflater or its checksum must catch it.
    const Source s = make_source(kLayouts[1], 64, 64, false, 4);
    const Bytes png = encode(s, SPNG_FILTER_CHOICE_ALL);
    for (const std::ptrdiff_t at : {2, 40, 400}) {
        const Bytes damaged = recut_image_data(png, 8192, at);
        Result<RgbImage> r = decode_image(damaged.data(), damaged.size());
        ASSERT_FALSE(r.ok()) << "damage at " << at;
        EXPECT_NE(r.error().find("corrupt or truncated PNG data"), std::string::npos) << r.error();
    }
}

TEST(DecodePng, TheBudgetIsCheckedOnTheHeader) {
    const Source s = make_source(kLayouts[0], 300, 2, false, 9);
    const Bytes png = encode(s, SPNG_FILTER_CHOICE_ALL);
    ImageLimits limits;
    limits.max_pixels = 599;
    Result<RgbImage> r = decode_image(png.data(), png.size(), limits);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("300x2"), std::string::npos) << r.error();
    limits.max_pixels = 600;
    EXPECT_TRUE(decode_image(png.data(), png.size(), limits).ok());
}

} // namespace
} // namespace deadzone
