#include "deadzone/box_encoding.h"

#include <string>

namespace deadzone {

namespace {

std::string shape_text(const ChwView& v) {
    return "[" + std::to_string(v.channels) + "," + std::to_string(v.height) + "," + std::to_string(v.width) + "]";
}

} // namespace

Result<std::vector<float>> box_map_in_input_pixels(const ChwView& box, const ChwView& offset, BoxEncoding encoding,
                                                   BoxUnits units, int stride) {
    if (stride < 1) return Error{"box map: stride " + std::to_string(stride) + " is not a positive number"};
    const float unit = units == BoxUnits::StrideUnits ? static_cast<float>(stride) : 1.0f;
    const std::size_t plane = box.plane_size();
    if (encoding == BoxEncoding::TtfnetLtrb) {
        if (box.channels != 4) return Error{"box map " + shape_text(box) + ": TTFNet's ltrb distances need 4 channels"};
        std::vector<float> ltrb(box.data, box.data + box.size());
        if (unit != 1.0f)
            for (float& v : ltrb) v *= unit;
        return ltrb;
    }
    if (box.channels != 2 || offset.channels != 2 || offset.height != box.height || offset.width != box.width)
        return Error{"CenterNet box maps: size " + shape_text(box) + " and offset " + shape_text(offset) +
                     " must both be [2,h,w] of the same h and w"};
    std::vector<float> ltrb(plane * 4);
    const float s = static_cast<float>(stride);
    for (int axis = 0; axis < 2; ++axis) { // 0: x (width, dx), 1: y (height, dy)
        const float* size = box.plane(axis);
        const float* shift = offset.plane(axis);
        float* near_edge = ltrb.data() + plane * static_cast<std::size_t>(axis);    // l or t
        float* far_edge = ltrb.data() + plane * static_cast<std::size_t>(axis + 2); // r or b
        for (std::size_t i = 0; i < plane; ++i) {
            const float half = size[i] * unit * 0.5f, centre_shift = shift[i] * s;
            near_edge[i] = half - centre_shift;
            far_edge[i] = half + centre_shift;
        }
    }
    return ltrb;
}

const char* box_channel_name(BoxEncoding encoding, int channel) {
    static const char* const ltrb[] = {"left", "top", "right", "bottom"};
    static const char* const centernet[] = {"width", "height", "offset x", "offset y"};
    if (channel < 0 || channel > 3) return "?";
    return encoding == BoxEncoding::TtfnetLtrb ? ltrb[channel] : centernet[channel];
}

} // namespace deadzone
