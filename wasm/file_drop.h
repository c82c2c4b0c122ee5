// Files into the app: dropped anywhere on the page, picked with the Open button, or fetched from
// the server. Each file is routed by kind: images and models to the Detect view, telemetry to the
// Replay view (file_drop.cpp).
#pragma once

#include <string>

namespace deadzone::explorer {

void install_file_drop();
void open_file_dialog();
// The widget names (AppState::widget_rects) of the buttons that call open_file_dialog(): the page
// opens the chooser itself when a click lands on one (file_drop.cpp, dz_file_dialog_button_at).
constexpr const char* kFileDialogButtons[] = {"open", "replay:open", "scan:open"};
// kind: "image", "model", "test model", "manifest", "test manifest", "samples", "warm-up image",
// "runs" (the live runs folder's index), "labels" (a sample's YOLO label file), "scan image" (an
// image for the Scan view).
void fetch_file(const std::string& url, const std::string& kind);

} // namespace deadzone::explorer
