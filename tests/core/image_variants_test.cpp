// Real-world image variants: phone JPEGs with EXIF orientation, CMYK JPEGs, and the BMP
// headers stb_image misreads. The files c02_exif_orient6.jpg and c04_v3hdr_bitfields32.bmp are
// copies of the shared real-input cases; the rest are written here byte by byte.
#include "deadzone/image_input.h"
#include "deadzone/image_orientation.h"
#include "deadzone/jpeg_header.h"
#include "deadzone/yolo_labels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace deadzone {
namespace {

using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& b, std::uint32_t v, bool little) {
    if (little) b.insert(b.end(), {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)});
    else b.insert(b.end(), {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
}
void put32(Bytes& b, std::uint32_t v, bool little) {
    if (little) put16(b, v & 0xFFFF, true), put16(b, v >> 16, true);
    else put16(b, v >> 16, false), put16(b, v & 0xFFFF, false);
}

// A JPEG marker segment: FF marker, big-endian length (payload + 2), payload.
void segment(Bytes& jpeg, std::uint8_t marker, const Bytes& payload) {
    jpeg.insert(jpeg.end(), {0xFF, marker});
    put16(jpeg, static_cast<std::uint32_t>(payload.size() + 2), false);
    jpeg.insert(jpeg.end(), payload.begin(), payload.end());
}

// An APP1 EXIF payload whose IFD0 holds a filler tag, then Orientation (type `type`, value `value`).
Bytes exif_payload(bool little, std::uint32_t value, std::uint32_t type = 3) {
    Bytes p = {'E', 'x', 'i', 'f', 0, 0};
    p.insert(p.end(), little ? std::initializer_list<std::uint8_t>{'I', 'I'} : std::initializer_list<std::uint8_t>{'M', 'M'});
    put16(p, 42, little);
    put32(p, 8, little); // IFD0 right after the TIFF header
    put16(p, 2, little);
    for (std::uint32_t tag : {0x010Fu, 0x0112u}) { // Make (ignored), Orientation
        put16(p, tag, little);
        put16(p, tag == 0x0112 ? type : 2, little);
        put32(p, 1, little);
        if (tag == 0x0112) put16(p, value, little), put16(p, 0, little);
        else put32(p, 0, little);
    }
    put32(p, 0, little); // no next IFD
    return p;
}

Bytes jpeg_with(const std::vector<std::pair<std::uint8_t, Bytes>>& segments) {
    Bytes j = {0xFF, 0xD8};
    for (const auto& [marker, payload] : segments) segment(j, marker, payload);
    j.insert(j.end(), {0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9}); // SOS: the header ends here
    return j;
}

Bytes sof(std::uint8_t components) { // precision 8, 16x16
    Bytes p = {8, 0, 16, 0, 16, components};
    for (std::uint8_t c = 0; c < components; ++c) p.insert(p.end(), {static_cast<std::uint8_t>(c + 1), 0x11, 0});
    return p;
}

TEST(JpegHeader, ReadsTheOrientationInBothByteOrders) {
    for (const bool little : {true, false})
        for (std::uint32_t o = 1; o <= 8; ++o) {
            const Bytes j = jpeg_with(
                {{0xE0, {'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}}, {0xE1, exif_payload(little, o)}, {0xC0, sof(3)}});
            const JpegHeader h = read_jpeg_header(j.data(), j.size());
            EXPECT_EQ(h.orientation, static_cast<int>(o)) << (little ? "II" : "MM");
            EXPECT_EQ(h.components, 3);
            EXPECT_EQ(h.adobe_transform, -1);
        }
}

TEST(JpegHeader, IgnoresWhatIsNotAUsableOrientationAndSurvivesTruncation) {
    auto orientation = [](const Bytes& j) { return read_jpeg_header(j.data(), j.size()).orientation; };
    EXPECT_EQ(orientation(jpeg_with({{0xE1, exif_payload(true, 9)}})), 1); // out of range
    EXPECT_EQ(orientation(jpeg_with({{0xE1, exif_payload(true, 0)}})), 1);
    EXPECT_EQ(orientation(jpeg_with({{0xE1, exif_payload(true, 6, 4)}})), 1);            // LONG, not SHORT
    EXPECT_EQ(orientation(jpeg_with({{0xE1, {'h', 't', 't', 'p', ':', '/', '/'}}})), 1); // XMP, not EXIF
    // The first EXIF block counts (a later one belongs to an embedded thumbnail).
    EXPECT_EQ(orientation(jpeg_with({{0xE1, exif_payload(false, 6)}, {0xE1, exif_payload(false, 3)}})), 6);
    // Every truncation of a valid header reads without overrunning, as 1 or the full value.
    const Bytes full = jpeg_with({{0xE1, exif_payload(true, 8)}, {0xEE, {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 2}}});
    for (std::size_t n = 0; n <= full.size(); ++n) {
        const int o = read_jpeg_header(full.data(), n).orientation;
        EXPECT_TRUE(o == 1 || o == 8) << n;
    }
    EXPECT_EQ(read_jpeg_header(full.data(), full.size()).adobe_transform, 2);
    EXPECT_EQ(read_jpeg_header(nullptr, 0).orientation, 1);
    // A corrupted IFD offset or entry count points outside the segment: ignored.
    Bytes bad = exif_payload(true, 6);
    bad[6 + 4] = 0xF0;
    EXPECT_EQ(orientation(jpeg_with({{0xE1, bad}})), 1);
    // An entry count larger than the segment: the entries that are there are read, no further.
    bad = exif_payload(true, 6);
    bad[6 + 8] = 0xFF;
    EXPECT_EQ(orientation(jpeg_with({{0xE1, bad}})), 6);
    bad[6 + 8 + 2 + 12] = 0x01; // the Orientation entry's tag becomes 0x0101: nothing found before the end
    EXPECT_EQ(orientation(jpeg_with({{0xE1, bad}})), 1);
}

// The visual position of a stored corner, by the EXIF definition of each value: "the 0th row is the
// visual <row_side>, the 0th column is the visual <column_side>" (TIFF 6.0, tag 0x0112).
enum Side { Top, Bottom, Left, Right };
struct Definition {
    Side row0, column0;
};
const std::array<Definition, 9> kExif = {{{Top, Left},
                                          {Top, Left},
                                          {Top, Right},
                                          {Bottom, Right},
                                          {Bottom, Left},
                                          {Left, Top},
                                          {Right, Top},
                                          {Right, Bottom},
                                          {Left, Bottom}}};

// The pixel at the corner where visual sides a (a row or column side) and b meet, in a w x h picture.
std::pair<int, int> corner(Side a, Side b, int w, int h) {
    int x = 0, y = 0;
    for (Side s : {a, b}) {
        if (s == Right) x = w - 1;
        if (s == Bottom) y = h - 1;
    }
    return {x, y};
}
Side opposite(Side s) { return s == Top ? Bottom : s == Bottom ? Top : s == Left ? Right : Left; }

TEST(ImageOrientation, AllEightValuesPutTheStoredCornersWhereExifSays) {
    RgbImage stored{5, 3, {}};
    for (int i = 0; i < 5 * 3; ++i) stored.pixels.insert(stored.pixels.end(), {static_cast<std::uint8_t>(i), 7, 9});
    auto at = [](const RgbImage& img, std::pair<int, int> p) {
        return img.pixels[(static_cast<std::size_t>(p.second) * img.width + p.first) * 3];
    };
    for (int o = 1; o <= 8; ++o) {
        const RgbImage v = apply_exif_orientation(stored, o);
        ASSERT_EQ(v.width, o >= 5 ? 3 : 5) << o;
        ASSERT_EQ(v.height, o >= 5 ? 5 : 3) << o;
        const Definition d = kExif[static_cast<std::size_t>(o)];
        EXPECT_EQ(at(v, corner(d.row0, d.column0, v.width, v.height)), at(stored, {0, 0})) << "orientation " << o;
        EXPECT_EQ(at(v, corner(d.row0, opposite(d.column0), v.width, v.height)), at(stored, {4, 0})) << "orientation " << o;
        EXPECT_EQ(at(v, corner(opposite(d.row0), d.column0, v.width, v.height)), at(stored, {0, 2})) << "orientation " << o;
        // A permutation: every stored value appears once.
        std::vector<int> seen(15, 0);
        for (std::size_t i = 0; i < v.pixels.size(); i += 3) ++seen[v.pixels[i]];
        EXPECT_EQ(seen, std::vector<int>(15, 1)) << o;
    }
    EXPECT_EQ(apply_exif_orientation(stored, 0).pixels, stored.pixels);
    EXPECT_EQ(apply_exif_orientation(stored, 42).width, 5);
}

TEST(ImageOrientation, APhonePhotoIsDecodedUprightSoItsUprightLabelsMatch) {
    const std::string dir = std::string(DEADZONE_TEST_DATA_DIR) + "/images/";
    Result<RgbImage> photo = load_image_file(dir + "c02_exif_orient6.jpg");
    ASSERT_TRUE(photo.ok()) << photo.error();
    const RgbImage& img = photo.value();
    EXPECT_EQ(img.exif_orientation, 6);
    ASSERT_GT(img.height, 0);
    std::ifstream file(dir + "c02_exif_orient6.txt");
    const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    Result<YoloLabels> labels = parse_yolo_labels(text, img.width, img.height, 0);
    ASSERT_TRUE(labels.ok()) << labels.error();
    ASSERT_EQ(labels.value().boxes.size(), 3u);
    // Each labelled object differs from the grey background (sampled below the middle, clear of the
    // coloured bars along two edges that show which way is up) at its centre.
    auto pixel = [&img](float x, float y) {
        const std::size_t at = (static_cast<std::size_t>(y) * img.width + static_cast<std::size_t>(x)) * 3;
        return std::array<int, 3>{img.pixels[at], img.pixels[at + 1], img.pixels[at + 2]};
    };
    const std::array<int, 3> background = pixel(static_cast<float>(img.width) * 0.5f, static_cast<float>(img.height) * 0.9f);
    auto distance = [](std::array<int, 3> a, std::array<int, 3> b) {
        return std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2]);
    };
    for (const EvalBox& b : labels.value().boxes) {
        const float cx = (b.x1 + b.x2) / 2, cy = (b.y1 + b.y2) / 2;
        EXPECT_GT(distance(pixel(cx, cy), background), 60) << "no object at the label centred (" << cx << ", " << cy << ")";
    }
    // Read sideways (the stored pixels), the labels' centres mostly land on the background: the
    // check above can fail.
    const RgbImage sideways = apply_exif_orientation(img, 8); // 8 undoes 6
    int on_background = 0;
    for (const EvalBox& b : labels.value().boxes) {
        const std::size_t x = static_cast<std::size_t>((b.x1 + b.x2) / 2 / img.width * sideways.width);
        const std::size_t y = static_cast<std::size_t>((b.y1 + b.y2) / 2 / img.height * sideways.height);
        const std::uint8_t* p = sideways.pixels.data() + (y * sideways.width + x) * 3;
        on_background += distance({p[0], p[1], p[2]}, background) < 60;
    }
    EXPECT_GE(on_background, 2);
}

// A bottom-up 32 bpp BITFIELDS BMP, 2x2, with the given info-header size (40 + masks after it; 52,
// 56, 108 or 124 with them inside), masks and `gap` bytes before the pixels (allowed: the file
// header's pixel offset says where they start); pixel (x, y) holds r = 10 + x, g = 100 + y, b = 200.
Bytes bitfields_bmp(std::uint32_t header_size, std::array<std::uint32_t, 4> masks, std::uint32_t gap = 0) {
    const std::uint32_t after_header = header_size == 40 ? 12 : 0, offset = 14 + header_size + after_header + gap;
    Bytes b = {'B', 'M'};
    put32(b, offset + 16, true), put32(b, 0, true), put32(b, offset, true);
    put32(b, header_size, true), put32(b, 2, true), put32(b, 2, true);
    put16(b, 1, true), put16(b, 32, true), put32(b, 3, true), put32(b, 16, true);
    put32(b, 2835, true), put32(b, 2835, true), put32(b, 0, true), put32(b, 0, true); // 72 dpi, no palette
    const int mask_count = header_size == 40 || header_size == 52 ? 3 : 4;
    for (int i = 0; i < mask_count; ++i) put32(b, masks[static_cast<std::size_t>(i)], true);
    b.resize(14 + header_size + after_header, 0); // V4/V5: colour space fields, 0 (LCS_CALIBRATED_RGB, unused)
    b.insert(b.end(), gap, 0xEE);
    auto place = [](std::uint32_t value, std::uint32_t mask) {
        std::uint32_t shift = 0;
        while (mask != 0 && (mask & 1u) == 0) mask >>= 1, ++shift;
        return value << shift;
    };
    for (int y = 1; y >= 0; --y) // bottom-up
        for (int x = 0; x < 2; ++x)
            put32(b, place(10 + x, masks[0]) | place(100 + y, masks[1]) | place(200, masks[2]) | place(255, masks[3]), true);
    return b;
}

TEST(BmpVariants, BitfieldsInV3AndV2HeadersAreDecodedWithTheirMasks) {
    // Masks in an unusual order, so reading them from the wrong place cannot give the right colours.
    const std::array<std::uint32_t, 4> masks = {0x000000FFu, 0x0000FF00u, 0xFF000000u, 0x00FF0000u};
    for (const std::uint32_t header : {40u, 52u, 56u, 108u, 124u})
        for (const std::uint32_t gap : {0u, 8u}) {
            const Bytes bmp = bitfields_bmp(header, masks, gap);
            Result<RgbImage> img = decode_image(bmp.data(), bmp.size());
            ASSERT_TRUE(img.ok()) << header << ": " << img.error();
            ASSERT_EQ(img.value().width, 2);
            for (int y = 0; y < 2; ++y)
                for (int x = 0; x < 2; ++x) {
                    const std::uint8_t* p = img.value().pixels.data() + (static_cast<std::size_t>(y) * 2 + x) * 3;
                    EXPECT_EQ(p[0], 10 + x) << header << " gap " << gap;
                    EXPECT_EQ(p[1], 100 + y) << header << " gap " << gap;
                    EXPECT_EQ(p[2], 200) << header << " gap " << gap;
                }
        }
    // The shared case: a 640x480 V3 BITFIELDS file, whose background is (20, 200, 40).
    Result<RgbImage> shared = load_image_file(std::string(DEADZONE_TEST_DATA_DIR) + "/images/c04_v3hdr_bitfields32.bmp");
    ASSERT_TRUE(shared.ok()) << shared.error();
    EXPECT_EQ(shared.value().width, 640);
    EXPECT_EQ(shared.value().height, 480);
    const std::uint8_t* bottom_left = shared.value().pixels.data() + static_cast<std::size_t>(479) * 640 * 3;
    EXPECT_EQ((std::array<int, 3>{bottom_left[0], bottom_left[1], bottom_left[2]}), (std::array<int, 3>{20, 200, 40}));
}

TEST(BmpVariants, A24BitFileWithAGapBeforeItsPixelsIsNotShifted) {
    // The common real case the rewrite touches: INFO, 24 bpp, uncompressed, the pixel offset 16 bytes
    // past the header (some writers pad to an alignment). 3x2, rows padded to 12 bytes.
    Bytes b = {'B', 'M'};
    const std::uint32_t offset = 14 + 40 + 16, row = 12;
    put32(b, offset + 2 * row, true), put32(b, 0, true), put32(b, offset, true);
    put32(b, 40, true), put32(b, 3, true), put32(b, 2, true);
    put16(b, 1, true), put16(b, 24, true), put32(b, 0, true), put32(b, 2 * row, true);
    put32(b, 2835, true), put32(b, 2835, true), put32(b, 0, true), put32(b, 0, true);
    b.insert(b.end(), 16, 0xEE);
    for (int y = 1; y >= 0; --y) { // bottom-up; BGR bytes
        for (int x = 0; x < 3; ++x)
            b.insert(b.end(), {200, static_cast<std::uint8_t>(100 + y), static_cast<std::uint8_t>(10 + x)});
        b.insert(b.end(), 3, 0);
    }
    Result<RgbImage> img = decode_image(b.data(), b.size());
    ASSERT_TRUE(img.ok()) << img.error();
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 3; ++x) {
            const std::uint8_t* p = img.value().pixels.data() + (static_cast<std::size_t>(y) * 3 + x) * 3;
            EXPECT_EQ((std::array<int, 3>{p[0], p[1], p[2]}), (std::array<int, 3>{10 + x, 100 + y, 200})) << x << "," << y;
        }
}

TEST(BmpVariants, ATopDownBmpNegativeHeightDecodesRowsInOrder) {
    // BITMAPINFOHEADER with height -2: the first stored row is the top one. 2x2, 24 bpp, rows of 8 bytes.
    Bytes b = {'B', 'M'};
    put32(b, 54 + 16, true), put32(b, 0, true), put32(b, 54, true);
    put32(b, 40, true), put32(b, 2, true), put32(b, static_cast<std::uint32_t>(-2), true);
    put16(b, 1, true), put16(b, 24, true), put32(b, 0, true), put32(b, 16, true);
    put32(b, 2835, true), put32(b, 2835, true), put32(b, 0, true), put32(b, 0, true);
    for (int y = 0; y < 2; ++y) { // top row first; BGR bytes
        for (int x = 0; x < 2; ++x)
            b.insert(b.end(), {200, static_cast<std::uint8_t>(100 + y), static_cast<std::uint8_t>(10 + x)});
        b.insert(b.end(), 2, 0);
    }
    Result<RgbImage> img = decode_image(b.data(), b.size());
    ASSERT_TRUE(img.ok()) << img.error();
    ASSERT_EQ(img.value().height, 2);
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 2; ++x) {
            const std::uint8_t* p = img.value().pixels.data() + (static_cast<std::size_t>(y) * 2 + x) * 3;
            EXPECT_EQ((std::array<int, 3>{p[0], p[1], p[2]}), (std::array<int, 3>{10 + x, 100 + y, 200})) << x << "," << y;
        }
}

TEST(BmpVariants, AnOs2CoreHeaderBmpDecodes) {
    // OS/2 1.x: a 12-byte header with 16-bit width and height (2x1, 24 bpp, rows of 8 bytes).
    Bytes b = {'B', 'M'};
    put32(b, 26 + 8, true), put32(b, 0, true), put32(b, 26, true);
    put32(b, 12, true), put16(b, 2, true), put16(b, 1, true), put16(b, 1, true), put16(b, 24, true);
    b.insert(b.end(), {200, 100, 10, 200, 100, 11, 0, 0});
    Result<RgbImage> img = decode_image(b.data(), b.size());
    ASSERT_TRUE(img.ok()) << img.error();
    EXPECT_EQ(img.value().width, 2);
    EXPECT_EQ((std::array<int, 3>{img.value().pixels[3], img.value().pixels[4], img.value().pixels[5]}),
              (std::array<int, 3>{11, 100, 200}));
}

TEST(BmpVariants, AnOversizedBmpIsRefusedBeforeItIsCopied) {
    Bytes huge = bitfields_bmp(56, {0xFF, 0xFF00, 0xFF0000, 0});
    huge[18] = 0x00, huge[19] = 0x00, huge[20] = 0x01; // width 65536
    huge[22] = 0x00, huge[23] = 0x00, huge[24] = 0x01; // height 65536
    Result<RgbImage> r = decode_image(huge.data(), huge.size());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("over the limit"), std::string::npos) << r.error();
}

TEST(BmpVariants, WhatStbCannotReadIsRefusedByName) {
    auto error_of = [](Bytes bmp) {
        Result<RgbImage> r = decode_image(bmp.data(), bmp.size());
        return r.ok() ? std::string("decoded") : r.error();
    };
    Bytes rle = bitfields_bmp(40, {0xFF, 0xFF00, 0xFF0000, 0});
    rle[14 + 14] = 8, rle[14 + 16] = 1; // 8 bpp, BI_RLE8
    EXPECT_NE(error_of(rle).find("RLE8"), std::string::npos) << error_of(rle);
    rle[14 + 14] = 4, rle[14 + 16] = 2;
    EXPECT_NE(error_of(rle).find("RLE4"), std::string::npos);
    Bytes png_inside = bitfields_bmp(40, {0xFF, 0xFF00, 0xFF0000, 0});
    png_inside[14 + 16] = 5;
    EXPECT_NE(error_of(png_inside).find("embedded PNG"), std::string::npos);
    Bytes os2 = bitfields_bmp(40, {0xFF, 0xFF00, 0xFF0000, 0});
    os2[14] = 64;
    EXPECT_NE(error_of(os2).find("OS/2 2.x"), std::string::npos);
    Bytes odd = bitfields_bmp(40, {0xFF, 0xFF00, 0xFF0000, 0});
    odd[14] = 77;
    EXPECT_NE(error_of(odd).find("77 bytes"), std::string::npos);
}

// A GIF89a of `frames` 1x1 frames with a 2-colour table (red, blue), frame i showing colour i % 2:
// each frame is a graphic control extension, an image descriptor and one LZW sub-block (min code
// size 2: clear 4, index, end 5, packed LSB first), as a long animation repeats them.
Bytes many_frame_gif(int frames, int width = 1, int height = 1) {
    Bytes g = {'G', 'I', 'F', '8', '9', 'a'};
    put16(g, static_cast<std::uint32_t>(width), true), put16(g, static_cast<std::uint32_t>(height), true);
    g.insert(g.end(), {0x80, 0, 0, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF}); // global table: red, blue
    for (int i = 0; i < frames; ++i) {
        g.insert(g.end(), {0x21, 0xF9, 0x04, 0x00, 0x0A, 0x00, 0x00, 0x00}); // 0.1 s delay
        g.insert(g.end(), {0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0});                // 1x1 frame at (0, 0)
        g.insert(g.end(), {0x02, 0x02, static_cast<std::uint8_t>(i % 2 == 0 ? 0x44 : 0x4C), 0x01, 0x00});
    }
    g.push_back(0x3B);
    return g;
}

TEST(GifFrames, OnlyTheFirstFrameIsDecodedHoweverManyFollow) {
    // 20,000 frames (a 380 KB file): the picture is frame 0, red; later frames (blue, red, ...) are
    // never decoded, so their number costs nothing.
    const Bytes gif = many_frame_gif(20000);
    Result<RgbImage> img = decode_image(gif.data(), gif.size());
    ASSERT_TRUE(img.ok()) << img.error();
    EXPECT_EQ(img.value().width, 1);
    EXPECT_EQ((std::array<int, 3>{img.value().pixels[0], img.value().pixels[1], img.value().pixels[2]}),
              (std::array<int, 3>{255, 0, 0}));
    // A logical screen over the pixel budget is refused from the header, before any frame.
    const Bytes huge = many_frame_gif(3, 60000, 60000);
    Result<RgbImage> refused = decode_image(huge.data(), huge.size());
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().find("over the limit"), std::string::npos) << refused.error();
}

TEST(JpegColour, CmykWithoutAnAdobeMarkerIsRefusedByName) {
    const Bytes cmyk = jpeg_with({{0xC0, sof(4)}});
    Result<RgbImage> r = decode_image(cmyk.data(), cmyk.size());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("CMYK"), std::string::npos) << r.error();
    // With the Adobe marker the colour transform is stated: it goes to the decoder (which then finds
    // this header-only file truncated, a different complaint).
    const Bytes adobe = jpeg_with({{0xEE, {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0}}, {0xC0, sof(4)}});
    Result<RgbImage> stated = decode_image(adobe.data(), adobe.size());
    ASSERT_FALSE(stated.ok());
    EXPECT_EQ(stated.error().find("CMYK"), std::string::npos) << stated.error();
}

} // namespace
} // namespace deadzone

namespace deadzone {
namespace {

// JPEG pixels are libjpeg-turbo's, in the native build (Debian's library, x86 SIMD) and the wasm build
// (compiled from source, no SIMD) alike: each file decodes to exactly what OpenCV 4.6 decoded it to
// (the .opencv.png beside it, written by cv2.imread + cv2.imwrite when the fixture was made). A
// progressive colour file with 4:2:0 chroma and odd sizes, and a greyscale one.
TEST(JpegDecode, PixelsEqualOpenCVsInEveryBuild) {
    const std::string dir = std::string(DEADZONE_TEST_DATA_DIR) + "/images/";
    for (const char* name : {"jpeg_colour_progressive", "jpeg_grey"}) {
        Result<RgbImage> jpeg = load_image_file(dir + name + ".jpg");
        Result<RgbImage> opencv = load_image_file(dir + name + ".opencv.png");
        ASSERT_TRUE(jpeg.ok()) << jpeg.error();
        ASSERT_TRUE(opencv.ok()) << opencv.error();
        ASSERT_EQ(jpeg.value().width, opencv.value().width) << name;
        ASSERT_EQ(jpeg.value().height, opencv.value().height) << name;
        std::size_t differing = 0;
        for (std::size_t i = 0; i < jpeg.value().pixels.size(); ++i)
            differing += jpeg.value().pixels[i] != opencv.value().pixels[i];
        EXPECT_EQ(differing, 0u) << name;
    }
}

// A CMYK JPEG as Photoshop and PIL write them (Adobe marker, values stored inverted): the colours PIL
// gives when it converts the same file to RGB (jpeg_cmyk_adobe.pil.png, written by Pillow 9.4 when
// the fixture was made), within 1 level: PIL rounds (255-c)(255-k)/255 its own way.
TEST(JpegDecode, AdobeCmykGetsPilsColours) {
    const std::string dir = std::string(DEADZONE_TEST_DATA_DIR) + "/images/";
    Result<RgbImage> jpeg = load_image_file(dir + "jpeg_cmyk_adobe.jpg");
    Result<RgbImage> pil = load_image_file(dir + "jpeg_cmyk_adobe.pil.png");
    ASSERT_TRUE(jpeg.ok()) << jpeg.error();
    ASSERT_TRUE(pil.ok()) << pil.error();
    ASSERT_EQ(jpeg.value().pixels.size(), pil.value().pixels.size());
    int worst = 0;
    for (std::size_t i = 0; i < jpeg.value().pixels.size(); ++i)
        worst = std::max(worst, std::abs(int{jpeg.value().pixels[i]} - int{pil.value().pixels[i]}));
    EXPECT_LE(worst, 1);
}

TEST(JpegDecode, ATruncatedFileIsAnErrorNotGreyRows) {
    const std::string path = std::string(DEADZONE_TEST_DATA_DIR) + "/images/jpeg_colour_progressive.jpg";
    std::ifstream file(path, std::ios::binary);
    const Bytes bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 600u);
    // (A progressive file is read whole before its first row is made: cut anywhere, even just its EOI
    // marker, it is truncated.)
    for (std::size_t keep : {bytes.size() - 2, bytes.size() / 2, std::size_t{400}, std::size_t{20}}) {
        Result<RgbImage> cut = decode_image(bytes.data(), keep);
        ASSERT_FALSE(cut.ok()) << keep << " of " << bytes.size() << " bytes";
        EXPECT_NE(cut.error().find("JPEG"), std::string::npos) << cut.error();
    }
    // A baseline file that lacks only its final EOI marker (some cameras write them) is complete.
    const std::string grey_path = std::string(DEADZONE_TEST_DATA_DIR) + "/images/jpeg_grey.jpg";
    std::ifstream grey_file(grey_path, std::ios::binary);
    const Bytes grey((std::istreambuf_iterator<char>(grey_file)), std::istreambuf_iterator<char>());
    ASSERT_EQ(grey[grey.size() - 2], 0xFF);
    ASSERT_EQ(grey[grey.size() - 1], 0xD9); // EOI
    Result<RgbImage> whole = decode_image(grey.data(), grey.size());
    Result<RgbImage> no_eoi = decode_image(grey.data(), grey.size() - 2);
    ASSERT_TRUE(whole.ok()) << whole.error();
    ASSERT_TRUE(no_eoi.ok()) << no_eoi.error();
    EXPECT_EQ(no_eoi.value().pixels, whole.value().pixels);
    EXPECT_FALSE(decode_image(grey.data(), grey.size() / 2).ok());
    ImageLimits tiny;
    tiny.max_pixels = 100;
    Result<RgbImage> over = decode_image(bytes.data(), bytes.size(), tiny);
    ASSERT_FALSE(over.ok());
    EXPECT_NE(over.error().find("over the limit"), std::string::npos) << over.error();
}

} // namespace
} // namespace deadzone
