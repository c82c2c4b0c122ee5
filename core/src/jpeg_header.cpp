#include "deadzone/jpeg_header.h"

#include <cstring>

namespace deadzone {

namespace {

std::uint32_t read_u16(const std::uint8_t* p, bool little) { return little ? (p[0] | p[1] << 8u) : (p[0] << 8u | p[1]); }

std::uint32_t read_u32(const std::uint8_t* p, bool little) {
    return little ? (read_u16(p, true) | read_u16(p + 2, true) << 16u) : (read_u16(p, false) << 16u | read_u16(p + 2, false));
}

// The Orientation of an APP1 segment's payload ("Exif\0\0" + a TIFF structure), or 1.
int exif_orientation(const std::uint8_t* p, std::size_t n) {
    if (n < 6 + 8 || std::memcmp(p, "Exif\0\0", 6) != 0) return 1;
    const std::uint8_t* tiff = p + 6;
    const std::size_t size = n - 6;
    const bool little = tiff[0] == 'I' && tiff[1] == 'I';
    if (!little && !(tiff[0] == 'M' && tiff[1] == 'M')) return 1;
    if (read_u16(tiff + 2, little) != 42) return 1;
    const std::uint32_t ifd = read_u32(tiff + 4, little);
    if (ifd > size || size - ifd < 2) return 1;
    const std::uint32_t entries = read_u16(tiff + ifd, little);
    for (std::uint32_t i = 0; i < entries; ++i) {
        const std::size_t at = ifd + 2 + static_cast<std::size_t>(i) * 12;
        if (at + 12 > size) return 1;
        const std::uint8_t* e = tiff + at;
        if (read_u16(e, little) != 0x0112) continue;
        const std::uint32_t type = read_u16(e + 2, little), count = read_u32(e + 4, little);
        if (type != 3 || count != 1) return 1; // SHORT, one value, stored in the entry's first two value bytes
        const std::uint32_t value = read_u16(e + 8, little);
        return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
    }
    return 1;
}

bool is_start_of_frame(std::uint8_t marker) {
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

} // namespace

JpegHeader read_jpeg_header(const std::uint8_t* bytes, std::size_t size) {
    JpegHeader h;
    if (bytes == nullptr || size < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) return h;
    bool orientation_seen = false;
    std::size_t at = 2;
    while (at + 4 <= size) {
        if (bytes[at] != 0xFF) return h; // not a marker: damaged, let the decoder say so
        const std::uint8_t marker = bytes[at + 1];
        if (marker == 0xFF) { // fill byte
            ++at;
            continue;
        }
        if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) { // no length
            at += 2;
            continue;
        }
        if (marker == 0xDA || marker == 0xD9) return h;             // SOS / EOI: the header is over
        const std::size_t length = read_u16(bytes + at + 2, false); // includes its own two bytes
        if (length < 2 || at + 2 + length > size) return h;
        const std::uint8_t* payload = bytes + at + 4;
        const std::size_t n = length - 2;
        if (marker == 0xE1 && !orientation_seen && n >= 6 && std::memcmp(payload, "Exif\0\0", 6) == 0) {
            h.orientation = exif_orientation(payload, n);
            orientation_seen = true; // the first EXIF block is the image's; later ones (XMP aside) are thumbnails' copies
        } else if (marker == 0xEE && n >= 12 && std::memcmp(payload, "Adobe", 5) == 0) {
            h.adobe_transform = payload[11];
        } else if (is_start_of_frame(marker) && h.components == 0 && n >= 6) {
            h.components = payload[5];
        }
        at += 2 + length;
    }
    return h;
}

} // namespace deadzone
