// Letterbox geometry: how an image of any size is fitted into the square model input.
//
// The image is scaled uniformly so that it fits inside the input, then centred; the rest is padding.
// The same struct is used to go forward (preprocessing) and back (boxes in input pixels ->
// boxes in original image pixels), so the two directions can never disagree.
#pragma once

namespace deadzone {

struct Letterbox {
    int source_width = 0;
    int source_height = 0;
    int input_width = 0;
    int input_height = 0;
    float scale = 1.0f;    // input pixels per source pixel
    int resized_width = 0; // size of the scaled image inside the input
    int resized_height = 0;
    int pad_left = 0; // padding before the scaled image, in input pixels
    int pad_top = 0;

    // Input-pixel coordinate -> source-pixel coordinate (not clipped).
    float to_source_x(float x) const { return (x - static_cast<float>(pad_left)) / scale; }
    float to_source_y(float y) const { return (y - static_cast<float>(pad_top)) / scale; }
};

// Geometry that fits a source_width x source_height image into input_width x input_height.
// Sizes must be positive.
Letterbox make_letterbox(int source_width, int source_height, int input_width, int input_height);

// Identity mapping for tensors that are already in input space (e.g. synthetic test tensors).
Letterbox identity_letterbox(int width, int height);

} // namespace deadzone
