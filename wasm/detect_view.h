// The Detect view: broken versus fixed on one image. A toolbar (open / samples / back-end / sliders
// / colour map), the two model panels side by side (image_panel.cpp) and their raw prediction dumps
// (prediction_dump.cpp).
#pragma once

#include "app.h"

#include <string>

namespace deadzone::explorer {

void draw_detect_view(AppState& state); // detect_view.cpp
void draw_image_panel(AppState& state, int panel_index, float width, float height);
void draw_prediction_dump(const AppState& state, int panel_index);
bool prediction_has_dead_channel(const Prediction& pred);
// ttfnet-eval's text for this prediction: the wh / wh_pre lines and the detections (the final conv's
// weights are not in an ONNX run's outputs, so its lines are the one part missing).
std::string prediction_dump_text(const DetectState& detect, const Prediction& pred);
void draw_spinner(float radius, double time); // image_panel.cpp

} // namespace deadzone::explorer
