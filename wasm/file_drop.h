// Files into the app: dropped anywhere on the page, picked with the Open button, or fetched from
// the server. Each file is routed by kind: images and models to the Detect view, telemetry to the
// Replay view (file_drop.cpp).
#pragma once

#include <string>

namespace deadzone::explorer {

void install_file_drop();
void open_file_dialog();
// kind: "image", "model", "test model", "manifest", "test manifest", "samples", "warm-up image",
// "runs" (the live runs folder's index).
void fetch_file(const std::string& url, const std::string& kind);

} // namespace deadzone::explorer
