// How a detector's box map encodes boxes, and its conversion to the one layout decode_ttfnet takes.
//
// decode.h reads [4,h,w] left/top/right/bottom distances in input pixels from the cell's centre,
// which by TTFNet's convention is (x * stride, y * stride) (decode.h). Models of the same family write other layouts:
//
//   TTFNet ltrb (Liu et al., AAAI 2020; DeadZone's exports)
//       box  [4,h,w] = (l, t, r, b) distances from (x*s, y*s), in input pixels or in cells (x s)
//   CenterNet size + offset (Zhou et al., "Objects as Points", 2019; its ctdet_decode)
//       size   [2,h,w] = (w, h) of the box, in cells (the reference) or input pixels
//       offset [2,h,w] = (dx, dy) of the true centre from the cell corner, in cells
//       box = ((x + dx) * s - w'/2, (y + dy) * s - h'/2, (x + dx) * s + w'/2, (y + dy) * s + h'/2),
//       w' = w * s in cells or w in pixels
//
// so CenterNet's box is ltrb with l = w'/2 - dx*s, t = h'/2 - dy*s, r = w'/2 + dx*s, b = h'/2 + dy*s:
// one decode serves both. Whether a channel is dead is judged on the maps the model wrote (a dead
// width channel leaves l = -dx*s and r = dx*s, which are not zero): box_channel_name names them.
#pragma once

#include "deadzone/result.h"
#include "deadzone/tensor_view.h"

#include <vector>

namespace deadzone {

enum class BoxEncoding { TtfnetLtrb, CenterNetSizeOffset };

// What box distances and sizes are measured in: input pixels (TTFNet, DeadZone's exports), or
// feature-map cells (multiplied by the stride to get input pixels; CenterNet's reference).
enum class BoxUnits { InputPixels, StrideUnits };

// The box map as decode_ttfnet takes it: [4,h,w] (l, t, r, b) in input pixels, channel-major.
//   TtfnetLtrb: `box` [4,h,w], `offset` unused (may be empty); values x stride for StrideUnits.
//   CenterNetSizeOffset: `box` [2,h,w] sizes and `offset` [2,h,w] of the same h, w (formulas above).
// Fails, naming the shapes, when a map has the wrong channel count, the sizes differ, or stride < 1.
// Non-finite values stay non-finite (decode drops those peaks and counts them).
Result<std::vector<float>> box_map_in_input_pixels(const ChwView& box, const ChwView& offset, BoxEncoding encoding,
                                                   BoxUnits units, int stride);

// The name of channel 0..3 of a box head as the model writes it: "left", "top", "right", "bottom"
// (TTFNet), or "width", "height", "offset x", "offset y" (CenterNet's size then offset); "?" otherwise.
const char* box_channel_name(BoxEncoding encoding, int channel);

} // namespace deadzone
