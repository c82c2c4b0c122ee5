#include "backend_probe.h"

#include "app.h"

#include <emscripten/emscripten.h>
#include <nlohmann/json.hpp>

// requestAdapter() is async and the ImGui frame loop must never block, so the probe runs as a
// detached JS promise that reports back through dz_on_backend_probe().
EM_JS(void, dz_js_start_backend_probe, (), {
    const report = {
        webgpu_api: !!(navigator.gpu),
        webgpu_adapter: false,
        webgpu_adapter_info: "",
        webgpu_error: "",
        cross_origin_isolated: !!self.crossOriginIsolated,
        wasm_threads: false,
        wasm_simd: false,
        hardware_concurrency: navigator.hardwareConcurrency || 0,
    };
    try {
        // Threads need a SharedArrayBuffer, which browsers only expose when cross-origin isolated.
        report.wasm_threads = typeof SharedArrayBuffer !== "undefined" && !!self.crossOriginIsolated &&
            WebAssembly.validate(new Uint8Array([0,97,115,109,1,0,0,0,1,4,1,96,0,0,3,2,1,0,5,4,1,3,1,1,10,11,1,9,0,65,0,254,16,2,0,26,11]));
        // This module is itself built with SIMD (-msimd128), so it only runs where SIMD exists;
        // web/app.js checks that before loading it.
        report.wasm_simd = true;
    } catch (e) {}
    const finish = () => ccall("dz_on_backend_probe", null, ["string"], [JSON.stringify(report)]);
    if (!navigator.gpu) {
        report.webgpu_error = "navigator.gpu is missing";
        finish();
        return;
    }
    navigator.gpu.requestAdapter().then((adapter) => {
        if (!adapter) {
            report.webgpu_error = "requestAdapter() returned null";
            return;
        }
        report.webgpu_adapter = true;
        const info = adapter.info || {};
        report.webgpu_adapter_info = [info.vendor, info.architecture, info.description]
            .filter((s) => s).join(" / ") || "adapter without details";
    }).catch((e) => {
        report.webgpu_error = "requestAdapter() failed: " + e;
    }).finally(finish);
});

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
