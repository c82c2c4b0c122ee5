#include "backend_probe.h"

#include "app.h"
#include "js_bindings.h"
#include "js_exports.h"

#include <emscripten/emscripten.h>
#include <nlohmann/json.hpp>

extern "C" EMSCRIPTEN_KEEPALIVE void dz_on_backend_probe(const char* json_text) {
    deadzone::explorer::request_redraw(deadzone::explorer::app_state());
    using deadzone::explorer::BackendReport;
    const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
    BackendReport& b = deadzone::explorer::app_state().backends;
    if (j.is_discarded()) {
        b.webgpu_error = "backend probe sent unreadable data";
        b.probed = true;
        return;
    }
    b.webgpu_api = j.value("webgpu_api", false);
    b.webgpu_adapter = j.value("webgpu_adapter", false);
    b.webgpu_adapter_info = j.value("webgpu_adapter_info", "");
    b.webgpu_software = j.value("webgpu_software", false);
    // The Scan view counts on the GPU by default only where there is one: on a CPU implementation of
    // WebGPU its compute passes cost more than reading the outputs back (bench/scan_gpu_bench.mjs).
    // The same for the Detect view's decode (its maps are small: what it saves there is the read-back).
    deadzone::explorer::app_state().scan.reduce_on_gpu = b.webgpu_adapter && !b.webgpu_software;
    deadzone::explorer::app_state().detect.decode_on_gpu = b.webgpu_adapter && !b.webgpu_software;
    b.webgpu_error = j.value("webgpu_error", "");
    b.cross_origin_isolated = j.value("cross_origin_isolated", false);
    b.wasm_threads = j.value("wasm_threads", false);
    b.wasm_simd = j.value("wasm_simd", false);
    b.hardware_concurrency = j.value("hardware_concurrency", 0);
    b.probed = true;
}

namespace deadzone::explorer {

void start_backend_probe() { dz_js_start_backend_probe(); }

} // namespace deadzone::explorer
