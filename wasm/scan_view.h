// The Scan view (scan_view.cpp): which channels of any ONNX model are dead on the user's images, and
// why (core's model_scan.h, run by scan_pipeline.h).
#pragma once

#include "app.h"

namespace deadzone::explorer {

void draw_scan_view(AppState& state);

} // namespace deadzone::explorer
