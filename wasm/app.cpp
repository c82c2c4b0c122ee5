#include "app.h"

#include <imgui.h>

namespace deadzone::explorer {

AppState& app_state() {
    static AppState state;
    return state;
}

namespace {

void status_line(const char* label, bool ok, const char* detail) {
    const ImVec4 green(0.35f, 0.85f, 0.45f, 1.0f), red(0.95f, 0.40f, 0.35f, 1.0f);
    ImGui::TextUnformatted(label);
    ImGui::SameLine(190.0f);
    ImGui::TextColored(ok ? green : red, "%s", ok ? "yes" : "no");
    if (detail != nullptr && detail[0] != '\0') {
        ImGui::SameLine();
        ImGui::TextDisabled("(%s)", detail);
    }
}

void draw_backends_window(const BackendReport& b) {
    ImGui::SetNextWindowPos(ImVec2(16, 16), ImGuiCond_FirstUseEver);
    ImGui::Begin("Inference back-ends", nullptr, ImGuiWindowFlags_AlwaysAutoResize);
    if (!b.probed) {
        ImGui::TextUnformatted("Probing what this browser offers...");
        ImGui::End();
        return;
    }
    status_line("WebGPU API", b.webgpu_api, b.webgpu_api ? "" : "navigator.gpu is missing");
    status_line("WebGPU adapter", b.webgpu_adapter,
                b.webgpu_adapter ? b.webgpu_adapter_info.c_str() : b.webgpu_error.c_str());
    status_line("Cross-origin isolated", b.cross_origin_isolated,
                b.cross_origin_isolated ? "" : "serve with COOP/COEP headers");
    status_line("wasm threads", b.wasm_threads, "");
    status_line("wasm SIMD", b.wasm_simd, "");
    ImGui::Text("Hardware threads: %d", b.hardware_concurrency);
    ImGui::Separator();
    // The order ONNX Runtime Web will be asked for: WebGPU when an adapter exists, else wasm.
    const char* preferred = b.webgpu_adapter ? "WebGPU" : (b.wasm_threads ? "wasm (multi-threaded)" : "wasm (1 thread)");
    ImGui::Text("Preferred back-end: %s", preferred);
    ImGui::End();
}

} // namespace

void draw_ui(AppState& state) {
    draw_backends_window(state.backends);
}

} // namespace deadzone::explorer
