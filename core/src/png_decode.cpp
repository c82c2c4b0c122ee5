// PNG decoding: libdeflate inflates the image data, libspng does everything else.
//
// libspng decodes every PNG layout (colour types, bit depths, palettes, Adam7) and its row filters
// are SIMD, but it inflates with zlib, and zlib's inflate was most of its time in the browser: for
// the explorer bench's 640x400 image about 1.8 ms of zlib against 0.7 ms of libdeflate. libspng has
// no hook for another inflater, so decode_png() hands it a file whose inflating costs nothing: the
// file's own chunks, except that the image data, already inflated here by libdeflate, is stored in
// deflate's uncompressed "stored" blocks. Every chunk CRC and the zlib checksum are verified here,
// on the original bytes, before libspng sees the rebuilt file.
#include "png_decode.h"

#include <libdeflate.h>
#include <spng.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace deadzone {

namespace {

using SpngContext = std::unique_ptr<spng_ctx, decltype(&spng_ctx_free)>;
using Inflater = std::unique_ptr<libdeflate_decompressor, decltype(&libdeflate_free_decompressor)>;
using Bytes = std::vector<std::uint8_t>;

// Ancillary chunks (text, ICC profiles) are parsed and kept by libspng; a file cannot make it hold
// more than this for them. The pixel data is bounded by the pixel budget instead.
constexpr std::size_t kMaxAncillaryBytes = 16u << 20;
constexpr std::size_t kSignatureSize = 8;      // libspng has checked the signature itself
constexpr std::size_t kMaxStoredBlock = 65535; // deflate's limit for one stored block

std::string corrupt(const char* what, const std::string& reason) {
    return std::string("corrupt or truncated PNG ") + what + " (" + reason + ")";
}

std::uint32_t read_be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

void write_be32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}

// The file's chunks up to its image data: everything before the first IDAT, copied whole into the
// rebuilt file, and the IDAT payloads, which together are one zlib stream.
struct ChunkWalk {
    std::size_t header_end = 0; // bytes [0, header_end): signature and every chunk before the first IDAT
    std::vector<std::pair<const std::uint8_t*, std::size_t>> image_data;
};

// Walks the chunks and checks their CRCs; stops after the IDAT run (what follows, text or IEND, is
// not needed to decode). The signature and IHDR were read by libspng already.
Result<ChunkWalk> walk_chunks(const std::uint8_t* bytes, std::size_t size) {
    ChunkWalk walk;
    std::size_t at = kSignatureSize;
    while (true) {
        if (size - at < 12) {
            if (!walk.image_data.empty()) return walk; // IDATs ran to the end of the file, no IEND
            return Error{corrupt("data", "the file ends before the image data")};
        }
        const std::uint32_t length = read_be32(bytes + at);
        const std::uint8_t* type = bytes + at + 4;
        if (length > size - at - 12) return Error{corrupt("data", "a chunk runs past the end of the file")};
        const std::uint32_t stored_crc = read_be32(bytes + at + 8 + length);
        if (libdeflate_crc32(0, type, std::size_t{length} + 4) != stored_crc)
            return Error{corrupt("data", std::string(reinterpret_cast<const char*>(type), 4) + " chunk CRC mismatch")};
        const bool idat = std::memcmp(type, "IDAT", 4) == 0;
        if (idat) {
            if (walk.image_data.empty()) walk.header_end = at;
            walk.image_data.emplace_back(type + 4, length);
        } else if (!walk.image_data.empty() || std::memcmp(type, "IEND", 4) == 0) {
            if (walk.image_data.empty()) return Error{corrupt("data", "no image data")};
            return walk;
        }
        at += std::size_t{length} + 12;
    }
}

int channels_of(std::uint8_t color_type) {
    switch (color_type) {
    case SPNG_COLOR_TYPE_TRUECOLOR: return 3;
    case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA: return 4;
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA: return 2;
    default: return 1; // grey, palette index
    }
}

// The size of the inflated image data: each row (of each Adam7 pass) is a filter byte and its samples.
std::size_t filtered_size(const spng_ihdr& h) {
    const std::size_t bits_per_pixel = static_cast<std::size_t>(channels_of(h.color_type)) * h.bit_depth;
    const auto rows = [&](std::size_t width, std::size_t height) {
        return width == 0 || height == 0 ? 0 : height * (1 + (width * bits_per_pixel + 7) / 8);
    };
    if (h.interlace_method == SPNG_INTERLACE_NONE) return rows(h.width, h.height);
    // Adam7: pass p takes every dx-th pixel from x0 of every dy-th row from y0.
    constexpr int x0[7] = {0, 4, 0, 2, 0, 1, 0}, y0[7] = {0, 0, 4, 0, 2, 0, 1};
    constexpr int dx[7] = {8, 8, 4, 4, 2, 2, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
    std::size_t total = 0;
    for (int p = 0; p < 7; ++p) {
        const std::size_t w = h.width > static_cast<std::uint32_t>(x0[p]) ? (h.width - x0[p] + dx[p] - 1) / dx[p] : 0;
        const std::size_t hh = h.height > static_cast<std::uint32_t>(y0[p]) ? (h.height - y0[p] + dy[p] - 1) / dy[p] : 0;
        total += rows(w, hh);
    }
    return total;
}

// The PNG rebuilt for libspng: the original signature and chunks before the image data, then one
// IDAT holding the inflated image data in stored blocks, then IEND.
Result<Bytes> rebuild_with_stored_image_data(const std::uint8_t* bytes, const ChunkWalk& walk, std::size_t raw_size) {
    const std::size_t blocks = raw_size == 0 ? 1 : (raw_size + kMaxStoredBlock - 1) / kMaxStoredBlock;
    const std::size_t zlib_size = 2 + blocks * 5 + raw_size + 4; // header, block headers, data, Adler-32
    if (zlib_size > 0x7fffffffu) return Error{"the PNG image data is too large"};
    const std::size_t idat_at = walk.header_end;
    const std::size_t data_at = idat_at + 8 + 2; // chunk length and type, zlib header
    Bytes out(idat_at + 8 + zlib_size + 4 + 12);
    std::memcpy(out.data(), bytes, idat_at);

    // Inflate straight into the rebuilt file, after room for every block header, then move each
    // block down to its place behind its header: block i moves left by 5 * (blocks - i - 1) bytes,
    // so going from the first block on never overwrites data not yet moved.
    Bytes joined;
    const std::uint8_t* stream = walk.image_data[0].first;
    std::size_t stream_size = walk.image_data[0].second;
    if (walk.image_data.size() > 1) {
        for (const auto& [p, n] : walk.image_data) joined.insert(joined.end(), p, p + n);
        stream = joined.data();
        stream_size = joined.size();
    }
    Inflater inflater(libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
    if (!inflater) return Error{"out of memory for the PNG decoder"};
    std::uint8_t* raw = out.data() + data_at + blocks * 5;
    std::size_t inflated = 0;
    const libdeflate_result r = libdeflate_zlib_decompress(inflater.get(), stream, stream_size, raw, raw_size, &inflated);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) return Error{corrupt("data", "more image data than the header describes")};
    if (r != LIBDEFLATE_SUCCESS) return Error{corrupt("data", "damaged compressed image data")};
    if (inflated != raw_size) return Error{corrupt("data", "the image data ends early")};
    for (std::size_t i = 0; i < blocks; ++i) {
        const std::size_t len = i + 1 < blocks ? kMaxStoredBlock : raw_size - i * kMaxStoredBlock;
        std::uint8_t* header = out.data() + data_at + i * (kMaxStoredBlock + 5);
        std::memmove(header + 5, raw + i * kMaxStoredBlock, len);
        header[0] = i + 1 == blocks ? 1 : 0; // BFINAL on the last block, BTYPE 00 (stored)
        header[1] = static_cast<std::uint8_t>(len), header[2] = static_cast<std::uint8_t>(len >> 8);
        header[3] = static_cast<std::uint8_t>(~len), header[4] = static_cast<std::uint8_t>(~len >> 8);
    }
    std::uint8_t* idat = out.data() + idat_at;
    write_be32(idat, static_cast<std::uint32_t>(zlib_size));
    std::memcpy(idat + 4, "IDAT", 4);
    idat[8] = 0x78, idat[9] = 0x01; // zlib header: deflate, 32 KB window, no dictionary (31 divides 0x7801)
    // The Adler-32 (libdeflate checked the original's) and the IDAT CRC stay 0: libspng is told to
    // skip both checks for this rebuilt file.
    std::uint8_t* iend = idat + 8 + zlib_size + 4;
    write_be32(iend, 0);
    std::memcpy(iend + 4, "IEND", 4);
    write_be32(iend + 8, 0xae426082); // IEND's CRC is a constant
    return out;
}

} // namespace

Result<RgbImage> decode_png(const std::uint8_t* bytes, std::size_t size, const ImageLimits& limits) {
    // The header only, so an oversized image is refused before a single pixel is allocated.
    spng_ihdr ihdr{};
    {
        SpngContext ctx(spng_ctx_new(0), spng_ctx_free);
        if (!ctx) return Error{"out of memory for the PNG decoder"};
        spng_set_png_buffer(ctx.get(), bytes, size);
        if (const int e = spng_get_ihdr(ctx.get(), &ihdr)) {
            if (e == SPNG_EWIDTH || e == SPNG_EHEIGHT)
                return Error{std::string("the PNG image has no pixels or an invalid size (") + spng_strerror(e) + ")"};
            return Error{corrupt("header", spng_strerror(e))};
        }
    }
    if (std::string refusal = pixel_budget_error(ihdr.width, ihdr.height, limits); !refusal.empty()) return Error{refusal};

    Result<ChunkWalk> walk = walk_chunks(bytes, size);
    if (!walk) return Error{walk.error()};
    Result<Bytes> png = rebuild_with_stored_image_data(bytes, walk.value(), filtered_size(ihdr));
    if (!png) return Error{png.error()};

    // Checksums were verified on the original above; the rebuilt IDAT carries none.
    SpngContext ctx(spng_ctx_new(SPNG_CTX_IGNORE_ADLER32), spng_ctx_free);
    if (!ctx) return Error{"out of memory for the PNG decoder"};
    spng_set_crc_action(ctx.get(), SPNG_CRC_USE, SPNG_CRC_USE);
    spng_set_chunk_limits(ctx.get(), kMaxAncillaryBytes, kMaxAncillaryBytes);
    spng_set_png_buffer(ctx.get(), png.value().data(), png.value().size());
    std::size_t out_size = 0;
    if (const int e = spng_decoded_image_size(ctx.get(), SPNG_FMT_RGB8, &out_size))
        return Error{corrupt("header", spng_strerror(e))};
    RgbImage image;
    image.width = static_cast<int>(ihdr.width);
    image.height = static_cast<int>(ihdr.height);
    image.pixels.resize(out_size);
    if (const int e = spng_decode_image(ctx.get(), image.pixels.data(), out_size, SPNG_FMT_RGB8, 0))
        return Error{corrupt("data", spng_strerror(e))};
    return image;
}

} // namespace deadzone
