// PNG decoding for decode_image() (image_input.cpp), with libdeflate and libspng. Private to core/.
#pragma once

#include "deadzone/image_input.h"

namespace deadzone {

// Decodes PNG bytes of any colour type, bit depth and interlacing to 8-bit RGB: alpha and tRNS are
// dropped and gamma is not applied (as stb_image does for the other formats), 16-bit samples keep
// their high byte. The header is checked against `limits` before any pixel memory is allocated.
Result<RgbImage> decode_png(const std::uint8_t* bytes, std::size_t size, const ImageLimits& limits);

} // namespace deadzone
