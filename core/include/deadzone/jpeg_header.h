// What DeadZone reads from a JPEG's markers before decoding it: the EXIF orientation and the colour
// layout (component count, Adobe APP14 transform).
//
// Phones store photos as the sensor saw them and record the turn in EXIF tag 0x0112 (Orientation,
// TIFF 6.0 / EXIF 2.32 section 4.6.4); stb_image and libjpeg ignore it, so the same photo is upright
// in a photo viewer and sideways in a decoder. Four-component JPEGs are CMYK (or YCCK with an Adobe
// APP14 marker whose transform is 2); without that marker their colours depend on a convention, so
// DeadZone refuses them by name rather than guess (image_input.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace deadzone {

struct JpegHeader {
    int orientation = 1;      // EXIF Orientation 1..8 (1: as stored); 1 when absent or out of range
    int components = 0;       // of the first SOF frame: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK; 0 when none was seen
    int adobe_transform = -1; // APP14 "Adobe" colour transform (0 none/CMYK, 1 YCbCr, 2 YCCK); -1 without the marker
};

// Walks the markers from SOI up to the first SOS (the entropy-coded data is not read). Never fails:
// a truncated or malformed segment ends the walk with what was read so far (the decoder then reports
// the damage); EXIF in either byte order ("II" / "MM"), IFD0 only; an Orientation tag of another type
// than SHORT or outside 1..8 is ignored.
JpegHeader read_jpeg_header(const std::uint8_t* bytes, std::size_t size);

} // namespace deadzone
