// Files into the app: dropped anywhere on the page, picked with the Open button, or fetched from
// the server (model manifest, shipped models, sample images). SDL2's Emscripten backend has no
// SDL_DROPFILE, so JS copies the bytes onto the wasm heap and calls back into C++ with a pointer,
// and C++ copies them into its own vector (not through Emscripten's in-memory file system, whose
// write and byte-by-byte read would add about 1 ms per image to the drop-to-boxes latency). Nothing
// leaves the browser: dropped files are only read locally.
#include "file_drop.h"

#include "app.h"
#include "ground_truth.h"
#include "pipeline.h"
#include "scan_pipeline.h"
#include "telemetry_loader.h"
#include "js_bindings.h"
#include "js_exports.h"

#include "deadzone/file_names.h"

#include <emscripten/emscripten.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

std::vector<std::uint8_t> copy_bytes(const std::uint8_t* data, int size) { return std::vector<std::uint8_t>(data, data + size); }

// JSON Lines text (first non-blank byte '{') or gzip data: no image format starts like that.
bool looks_like_telemetry(const std::uint8_t* data, int size) {
    int i = 0;
    while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')) ++i;
    if (i < size && data[i] == '{') return true;
    return size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

} // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void dz_on_file_dropped(const std::uint8_t* data, int size, const char* name, double t0) {
    using namespace deadzone::explorer;
    request_redraw(app_state());
    // Telemetry by name or content (JSON text or gzip: never an image) goes to the Replay view; .onnx
    // models and .txt YOLO labels by name; everything else is treated as an image and the decoder's
    // sniffing decides.
    if (is_telemetry_name(name) || looks_like_telemetry(data, size)) {
        app_state().view = View::Replay;
        load_telemetry_bytes(app_state(), name, "", RunOrigin::Dropped, data, static_cast<std::size_t>(size));
        return;
    }
    std::vector<std::uint8_t> bytes = copy_bytes(data, size);
    if (app_state().view == View::Scan) { // any model (no detector interface), its data, images to scan
        if (deadzone::has_extension(name, ".onnx")) accept_scan_model(app_state(), name, std::move(bytes));
        else if (deadzone::has_extension(name, ".txt"))
            post_message(app_state(), std::string("scan: labels are not used by the scan ('") + name + "')", false);
        else if (!accept_scan_data(app_state(), name, bytes)) accept_scan_image(app_state(), name, std::move(bytes));
        return;
    }
    if (deadzone::has_extension(name, ".onnx")) accept_model_bytes(app_state(), name, ModelOrigin::Dropped, std::move(bytes));
    else if (deadzone::has_extension(name, ".txt")) accept_label_bytes(app_state(), name, bytes);
    else if (is_model_data_name(app_state().detect, name)) accept_model_data_bytes(app_state(), name, std::move(bytes));
    else accept_image_bytes(app_state(), name, bytes, t0);
}

// A file is about to be streamed (web/explorer_library.js asks before reading it): a telemetry file
// gets a loading run in the Replay view and its pieces come to dz_on_telemetry_bytes; 0 means "hand
// it whole to dz_on_file_dropped" (an image, a model, a .gz run, or a name that says nothing).
EMSCRIPTEN_KEEPALIVE int dz_begin_dropped_file(const char* name, double size) {
    using namespace deadzone::explorer;
    const int run = begin_telemetry_stream(app_state(), name, RunOrigin::Dropped, size);
    if (run != 0) {
        app_state().view = View::Replay;
        request_redraw(app_state());
    }
    return run;
}

// Whether page point (x, y), in CSS pixels of the canvas, is on a button that opens the file chooser
// in the last frame drawn. The page asks on every pointer release so that it can open the chooser
// inside the browser's own click event: a browser shows it only with a user activation, and ImGui
// sees the click a frame later, which a quick click or a busy frame can leave too late.
EMSCRIPTEN_KEEPALIVE int dz_file_dialog_button_at(double x, double y) {
    using namespace deadzone::explorer;
    for (const char* name : kFileDialogButtons) {
        const auto it = app_state().widget_rects.find(name);
        if (it == app_state().widget_rects.end()) continue;
        const auto& [rx, ry, rw, rh] = it->second;
        if (x >= rx && x < rx + rw && y >= ry && y < ry + rh) return 1;
    }
    return 0;
}

EMSCRIPTEN_KEEPALIVE void dz_on_file_error(const char* name, const char* message) {
    using namespace deadzone::explorer;
    request_redraw(app_state());
    post_message(app_state(), std::string("could not read '") + name + "': " + message, true);
}

EMSCRIPTEN_KEEPALIVE void dz_on_fetched(const std::uint8_t* data, int size, int kind_value, const char* url_c, const char* error,
                                        double t0) {
    using namespace deadzone::explorer;
    AppState& state = app_state();
    request_redraw(state);
    const std::string url = url_c;
    const bool failed = error[0] != '\0';
    std::vector<std::uint8_t> bytes;
    if (!failed) bytes = copy_bytes(data, size);
    if (kind_value < 0 || kind_value > static_cast<int>(FetchKind::RunsIndex)) { // not one of ours: say so, drop it
        post_message(state, "internal: fetched " + url + " for an unknown purpose (" + std::to_string(kind_value) + ")", true);
        return;
    }
    switch (static_cast<FetchKind>(kind_value)) {
    case FetchKind::WarmUpImage:
        if (!failed) warm_up_image_path(bytes);
        break;
    case FetchKind::Image:
        if (failed) post_message(state, "could not fetch sample image " + url + ": " + error, true);
        else accept_image_bytes(state, deadzone::base_name(url), bytes, t0);
        break;
    case FetchKind::ScanImage:
        if (failed) post_message(state, "could not fetch sample image " + url + ": " + error, true);
        else accept_scan_image(state, deadzone::base_name(url), std::move(bytes));
        break;
    case FetchKind::Labels:
        if (failed) post_message(state, "could not fetch labels " + url + ": " + error, true);
        else accept_label_bytes(state, deadzone::base_name(url), bytes, /*announce_waiting=*/false);
        break;
    case FetchKind::RunsIndex: on_runs_index(state, bytes, error); break;
    case FetchKind::Model:
    case FetchKind::TestModel: {
        const ModelOrigin origin =
            static_cast<FetchKind>(kind_value) == FetchKind::Model ? ModelOrigin::Shipped : ModelOrigin::TestModel;
        if (failed) post_message(state, "could not fetch model " + url + ": " + error, true);
        else accept_model_bytes(state, deadzone::model_stem(deadzone::base_name(url)), origin, std::move(bytes));
        break;
    }
    case FetchKind::Manifest:
    case FetchKind::TestManifest:
    case FetchKind::Samples: on_manifest_fetched(state, static_cast<FetchKind>(kind_value), url, bytes, error); break;
    }
}

// flags: 1 = no more bytes will come, 2 = the file was rewritten and these bytes start it again;
// total: the file's size in bytes when known, else -1.
EMSCRIPTEN_KEEPALIVE void dz_on_telemetry_bytes(const std::uint8_t* data, int size, int run, int flags, double total,
                                                const char* error) {
    using namespace deadzone::explorer;
    if (on_telemetry_bytes(app_state(), run, data, static_cast<std::size_t>(size),
                           TelemetryPiece{(flags & 1) != 0, (flags & 2) != 0, total}, error))
        request_redraw(app_state());
}

} // extern "C"

namespace deadzone::explorer {

void install_file_drop() {
    dz_js_install_helpers();
    dz_js_install_file_drop();
}
void open_file_dialog() { dz_js_open_file_dialog(); }
void fetch_file(const std::string& url, FetchKind kind) { dz_js_fetch_file(url.c_str(), static_cast<int>(kind)); }

} // namespace deadzone::explorer
