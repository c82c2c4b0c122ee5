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
// What a fetched file is for, which decides where its bytes go when they arrive.
enum class FetchKind {
    Image,        // a sample image for the Detect view
    WarmUpImage,  // the first sample, fetched early only to warm the image path
    ScanImage,    // a sample image for the Scan view
    Labels,       // a sample's YOLO label file
    Model,        // a shipped model (assets/models)
    TestModel,    // a generated test model (make_test_models)
    Manifest,     // assets/models/manifest.json
    TestManifest, // test-models/manifest.json, read when nothing is shipped
    Samples,      // assets/images/samples.json
    RunsIndex,    // runs/index.json, the live runs folder's listing (the last: dz_on_fetched checks the range)
};
// Fetches `url`; its bytes (or the error) come back to the handler of `kind`.
void fetch_file(const std::string& url, FetchKind kind);

} // namespace deadzone::explorer
