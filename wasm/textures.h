// GL textures of the Detect view (heatmap_texture.cpp): the image and the colour map overlay.
#pragma once

#include "detect_state.h"

namespace deadzone::explorer {

unsigned upload_rgb_texture(unsigned texture, const RgbImage& image);
// Refills pred.overlay_texture with the colour map of `overlay` (an Overlay value); heatmap_class is
// the heatmap's class to show, -1 for the best class per cell. Sets pred.overlay_kind, overlay_class
// and overlay_range_max (the value colour 1 stands for: 1 for scores, the largest wh in input px).
void update_overlay_texture(Prediction& pred, int overlay, int heatmap_class);
// The same for both panels, with the view's current choice.
void update_overlay_textures(DetectState& detect);
// The colour map (t in [0, 1]; 0 is black, so a dead channel shows black) as RGB in [0, 1].
void colormap(float t, float rgb[3]);

} // namespace deadzone::explorer
