#include "bmp_variant.h"

#include <string>

namespace deadzone {

namespace {

std::uint32_t u32le(const std::uint8_t* p) { return p[0] | p[1] << 8u | p[2] << 16u | static_cast<std::uint32_t>(p[3]) << 24u; }

const char* compression_name(std::uint32_t c) {
    switch (c) {
    case 1: return "RLE8";
    case 2: return "RLE4";
    case 4: return "embedded JPEG";
    case 5: return "embedded PNG";
    case 6: return "ALPHABITFIELDS";
    case 11:
    case 12:
    case 13: return "CMYK";
    default: return nullptr;
    }
}

std::uint32_t u16le(const std::uint8_t* p) { return p[0] | p[1] << 8u; }

} // namespace

std::optional<BmpSize> bmp_declared_size(const std::uint8_t* bytes, std::size_t size) {
    if (size < 26) return std::nullopt;
    const auto i32 = [bytes](std::size_t at) { return std::int64_t{static_cast<std::int32_t>(u32le(bytes + at))}; };
    const bool core_header = u32le(bytes + 14) == 12;
    const std::int64_t width = core_header ? std::int64_t{u16le(bytes + 18)} : i32(18);
    const std::int64_t height = core_header ? std::int64_t{u16le(bytes + 20)} : i32(22);
    return BmpSize{width < 0 ? -width : width, height < 0 ? -height : height};
}

Result<std::optional<std::vector<std::uint8_t>>> adapt_bmp_for_stb(const std::uint8_t* bytes, std::size_t size) {
    constexpr std::size_t kInfoAt = 14;
    if (size < kInfoAt + 4) return std::optional<std::vector<std::uint8_t>>{};
    const std::uint32_t header_size = u32le(bytes + kInfoAt);
    if (header_size == 64)
        return Error{"BMP with an OS/2 2.x header (64 bytes) is not supported; save it as a Windows BMP or PNG"};
    if (header_size != 12 && header_size != 40 && header_size != 52 && header_size != 56 && header_size != 108 &&
        header_size != 124)
        return Error{"BMP with an unknown header size (" + std::to_string(header_size) +
                     " bytes): not a BMP variant DeadZone reads"};
    if (header_size == 12 || size < kInfoAt + 20) return std::optional<std::vector<std::uint8_t>>{};
    const std::uint32_t compression = u32le(bytes + kInfoAt + 16);
    if (const char* name = compression_name(compression))
        return Error{std::string("BMP with ") + name + " compression is not supported; save it uncompressed (or as PNG)"};
    if (compression > 3) return Error{"BMP with an unknown compression (" + std::to_string(compression) + ") is not supported"};
    // Direct-colour (16/24/32 bpp) pixels: stb skips any gap between the header and the pixels twice,
    // refuses V2 and misreads V3 masks. Such files are rewritten compactly: file header, the first 40
    // bytes of the info header (labelled INFO), the R,G,B masks (54..65 in every layout) when
    // BITFIELDS, the pixels.
    const std::uint32_t bits_per_pixel = u16le(bytes + kInfoAt + 14);
    const std::uint32_t pixel_offset = u32le(bytes + 10);
    const std::size_t compact_offset = kInfoAt + 40 + (compression == 3 ? 12 : 0);
    if (header_size == 52 && bits_per_pixel < 16)
        return Error{"BMP with a V2 header (52 bytes) and a palette is not supported; save it as a Windows BMP or PNG"};
    // stb reads INFO, V3 without BITFIELDS, V4 and V5 right when the pixels follow the header directly.
    const std::size_t header_end = kInfoAt + header_size + (header_size == 40 && compression == 3 ? 12 : 0);
    const bool layout_stb_reads =
        pixel_offset == header_end && (header_size == 40 || header_size >= 108 || compression != 3) && header_size != 52;
    if (bits_per_pixel < 16 || layout_stb_reads || pixel_offset < compact_offset || pixel_offset > size)
        return std::optional<std::vector<std::uint8_t>>{}; // as it is (a bad offset is stb's to report)
    std::vector<std::uint8_t> copy(bytes, bytes + compact_offset);
    copy.insert(copy.end(), bytes + pixel_offset, bytes + size);
    auto put32 = [&copy](std::size_t at, std::size_t v) {
        for (int i = 0; i < 4; ++i) copy[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
    };
    put32(2, copy.size());
    put32(10, compact_offset);
    put32(kInfoAt, 40);
    return std::optional<std::vector<std::uint8_t>>(std::move(copy));
}

} // namespace deadzone
