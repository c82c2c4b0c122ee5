// BMP variants stb_image mishandles, recognised from the header before it sees them (private to core).
//
// The BITMAPINFOHEADER family (Microsoft's "BMP file format" documentation): 14-byte file header,
// then the info header whose first field is its own size: 12 (OS/2 1.x core), 40 (INFO), 52 (V2:
// + RGB masks), 56 (V3: + RGBA masks), 64 (OS/2 2.x), 108 (V4), 124 (V5); at +16 of it the
// compression: 0 RGB, 1 RLE8, 2 RLE4, 3 BITFIELDS, 4 JPEG, 5 PNG, 6 ALPHABITFIELDS, 11-13 CMYK.
//
// stb_image 2.30 decodes 12/40/56/108/124 with RGB or BITFIELDS, but: it reads a V3 header's masks
// from the bytes after it (the pixels), so a valid V3 BITFIELDS file is called bad or decodes with
// wrong colours; it refuses V2; and for 16/24/32 bpp it skips any gap between the header and the
// pixels twice, shifting the image (any header size). An INFO header followed by the masks is how
// the INFO, V2, V3, V4 and V5 layouts all store the R,G,B masks (at 54..65), so such files are
// rewritten compactly as INFO (+ masks) + pixels; V4/V5 colour-space fields are dropped.
#pragma once

#include "deadzone/result.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace deadzone {

// The width and height a BMP header declares (height as a count: a top-down file's is negative in
// the file), read before anything is decoded or copied: 32-bit at 18 and 22 of an INFO-family header,
// 16-bit at 18 and 20 of an OS/2 1.x core header (size 12). nullopt when the header is too short.
struct BmpSize {
    std::int64_t width = 0, height = 0;
};
std::optional<BmpSize> bmp_declared_size(const std::uint8_t* bytes, std::size_t size);

// Error naming the variant (e.g. "BMP with RLE8 compression is not supported ...") when stb_image
// cannot decode it; a compact copy of the file when stb would misread it as it is (V2, V3, a gap);
// nullopt when the bytes can go to stb_image as they are (including headers too short to read: stb
// then reports the damage).
Result<std::optional<std::vector<std::uint8_t>>> adapt_bmp_for_stb(const std::uint8_t* bytes, std::size_t size);

} // namespace deadzone
