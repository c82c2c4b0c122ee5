// The test hook: the whole app state as JSON, read by the browser end-to-end tests through
// window.deadzone.state(). Tests assert on what the C++ side believes, not on DOM guesses.
#include "app.h"

#include <emscripten/emscripten.h>
#include <nlohmann/json.hpp>

#include <string>

namespace {

nlohmann::json to_json(const deadzone::explorer::BackendReport& b) {
    return {{"probed", b.probed},
            {"webgpu_api", b.webgpu_api},
            {"webgpu_adapter", b.webgpu_adapter},
            {"webgpu_adapter_info", b.webgpu_adapter_info},
            {"webgpu_error", b.webgpu_error},
            {"cross_origin_isolated", b.cross_origin_isolated},
            {"wasm_threads", b.wasm_threads},
            {"wasm_simd", b.wasm_simd},
            {"hardware_concurrency", b.hardware_concurrency}};
}

} // namespace

// Returns a pointer into a buffer that stays valid until the next call (ccall copies it at once).
extern "C" EMSCRIPTEN_KEEPALIVE const char* dz_state_json() {
    static std::string buffer;
    const deadzone::explorer::AppState& s = deadzone::explorer::app_state();
    const nlohmann::json j = {{"frame", s.frame},
                              {"framebuffer", {s.framebuffer_width, s.framebuffer_height}},
                              {"backends", to_json(s.backends)}};
    buffer = j.dump();
    return buffer.c_str();
}
