// JPEG decoding for decode_image() (image_input.cpp), with libjpeg-turbo. Private to core/.
#pragma once

#include "deadzone/image_input.h"

namespace deadzone {

// Decodes baseline, progressive or arithmetic-coded 8-bit JPEG bytes to RGB with libjpeg-turbo's
// defaults (slow-integer IDCT, fancy upsampling: the pixels PIL, OpenCV and torchvision give).
// Greyscale is expanded to RGB; CMYK and YCCK (4 components, Adobe convention: stored inverted) become
// R = C*K/255, G = M*K/255, B = Y*K/255, rounded as stb_image rounds. The EXIF orientation is not
// applied here (image_input.cpp does it). The header is checked against `limits` before any pixel
// memory is allocated. Errors: a file that ends before its last row or scan ("truncated"; one that
// only lacks its final EOI marker is accepted), more than 500 progressive scans (a decoding-time
// bomb), and libjpeg's own messages (corrupt data, 12-bit samples, out of memory) as
// "corrupt JPEG data (<libjpeg's message>)".
Result<RgbImage> decode_jpeg(const std::uint8_t* bytes, std::size_t size, const ImageLimits& limits);

} // namespace deadzone
