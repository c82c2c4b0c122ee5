// Turns a sample into a model input: random flip, scale jitter, letterbox + normalisation (core/'s
// make_model_input, the same preprocessing the browser uses), and the boxes mapped alongside.
#pragma once

#include "ttfnet/data/dataset.h"

#include "deadzone/letterbox.h"

#include <random>

namespace ttfnet {

struct AugmentOptions {
    bool enabled = true;
    bool flip = true;
    // Zoom factor range: > 1 crops a random window (zoom in), < 1 pads with the mean colour.
    float scale_min = 0.6f;
    float scale_max = 1.4f;
    // A box cut by a crop is an object only if this fraction of its area is still inside, and only if
    // it is at least min_box_size input pixels wide and high; otherwise it is a crowd region.
    float min_visible = 0.4f;
    float min_box_size = 2.0f; // input pixels
};

struct PreparedSample {
    std::vector<float> chw; // [3, H, W] normalised
    std::vector<Box> boxes; // input pixels
    // Input pixels: the sample's crowd regions, and objects left too small or mostly cropped away
    // (min_box_size, min_visible). The heatmap loss ignores them (targets.h).
    std::vector<Box> crowd;
    deadzone::Letterbox letterbox;
};

PreparedSample prepare_sample(const Sample& sample, int input_width, int input_height, const AugmentOptions& options,
                              std::mt19937_64& rng);

} // namespace ttfnet
