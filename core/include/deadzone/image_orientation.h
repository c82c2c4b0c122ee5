// EXIF orientation: turning a photo's stored pixels into the picture its camera meant.
//
// The eight values (TIFF 6.0 tag 0x0112; the same table as PIL's ImageOps.exif_transpose and
// OpenCV's IMREAD default): where the stored image's first row and first column are in the picture.
//   1 as stored                       5 transposed (mirror across the main diagonal)
//   2 mirrored left-right             6 turned 90 degrees clockwise (phones held upright)
//   3 turned 180 degrees              7 transversed (mirror across the anti-diagonal)
//   4 mirrored top-bottom             8 turned 90 degrees counter-clockwise
// 5 to 8 swap width and height. Labels written for the upright picture (as annotation tools that
// honour EXIF write them) then match the decoded pixels.
#pragma once

#include "deadzone/image_input.h"

namespace deadzone {

// The picture `stored` (as decoded, RGB) shows under EXIF `orientation`; out-of-range values (0, 9..)
// are treated as 1 and return a copy. Cost: one pass over the pixels.
RgbImage apply_exif_orientation(const RgbImage& stored, int orientation);

// What an orientation does, for messages: "as stored", "mirrored left-right", ..., "turned 90° clockwise".
const char* exif_orientation_name(int orientation);

} // namespace deadzone
