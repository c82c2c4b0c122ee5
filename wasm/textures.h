// GL textures of the Detect view (heatmap_texture.cpp): the image and the colour map overlay.
#pragma once

#include "detect_state.h"

namespace deadzone::explorer {

unsigned upload_rgb_texture(unsigned texture, const RgbImage& image);
// Refills pred.overlay_texture with the colour map of `overlay` (an Overlay value).
void update_overlay_texture(Prediction& pred, int overlay);
// The colour map (t in [0, 1]; 0 is black, so a dead channel shows black) as RGB in [0, 1].
void colormap(float t, float rgb[3]);

} // namespace deadzone::explorer
