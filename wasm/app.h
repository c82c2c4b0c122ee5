// The explorer's state and per-frame UI. The SDL/GL/ImGui plumbing lives in main.cpp; this file
// owns what the user sees, so it can grow without touching the platform shell.
#pragma once

#include <string>

namespace deadzone::explorer {

// What the browser offers for running models (filled asynchronously by backend_probe.cpp).
struct BackendReport {
    bool probed = false;               // the async probe has finished
    bool webgpu_api = false;           // navigator.gpu exists
    bool webgpu_adapter = false;       // requestAdapter() returned an adapter
    std::string webgpu_adapter_info;   // vendor / architecture / description, if the browser says
    std::string webgpu_error;          // why there is no adapter
    bool cross_origin_isolated = false;
    bool wasm_threads = false;         // SharedArrayBuffer usable: multi-threaded ORT wasm works
    bool wasm_simd = false;
    int hardware_concurrency = 0;
};

struct AppState {
    BackendReport backends;
    long long frame = 0;
    int framebuffer_width = 0;
    int framebuffer_height = 0;
};

// The one AppState of the app shell (the app is a single page with a single canvas).
AppState& app_state();

void draw_ui(AppState& state);

} // namespace deadzone::explorer
