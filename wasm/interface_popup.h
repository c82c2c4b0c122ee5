// The interface step of the Detect view: a model's guessed interface (which output is the heatmap,
// which the box map and its pre-activation, heatmap logits or probabilities, box distances in input
// pixels or stride units, stride, input scaling), shown and correctable, remembered per model file.
#pragma once

#include "app.h"

namespace deadzone::explorer {

// An "interface" button for the model in panel `panel_index`, and its popup.
void draw_interface_button(AppState& state, int panel_index);

} // namespace deadzone::explorer
