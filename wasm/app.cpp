// The explorer's layout: a toolbar (open / samples / back-end / sliders / overlay), the two model
// panels side by side, their prediction dumps under them, and a message line at the bottom. The
// whole thing is one borderless window that follows the browser window's size.
#include "app.h"

#include <imgui.h>

#include <algorithm>

namespace deadzone::explorer {

AppState& app_state() {
    static AppState state;
    return state;
}

void request_redraw(AppState& state) {
    state.redraw_frames = 1; // the next frame shows the change; later ones follow the pacing
}

namespace {

const ImVec4 kGreen(0.35f, 0.85f, 0.45f, 1.0f), kRed(0.95f, 0.40f, 0.35f, 1.0f), kDim(0.6f, 0.63f, 0.68f, 1.0f);

void status_line(const char* label, bool ok, const char* detail) {
    ImGui::TextUnformatted(label);
    ImGui::SameLine(190.0f);
    ImGui::TextColored(ok ? kGreen : kRed, "%s", ok ? "yes" : "no");
    if (detail != nullptr && detail[0] != '\0') {
        ImGui::SameLine();
        ImGui::TextDisabled("(%s)", detail);
    }
}

void backend_details(const BackendReport& b) {
    status_line("WebGPU API", b.webgpu_api, b.webgpu_api ? "" : "navigator.gpu is missing");
    status_line("WebGPU adapter", b.webgpu_adapter,
                b.webgpu_adapter ? b.webgpu_adapter_info.c_str() : b.webgpu_error.c_str());
    status_line("Cross-origin isolated", b.cross_origin_isolated,
                b.cross_origin_isolated ? "" : "serve with COOP/COEP headers");
    status_line("wasm threads", b.wasm_threads, "");
    status_line("wasm SIMD", b.wasm_simd, "");
    ImGui::Text("Hardware threads: %d", b.hardware_concurrency);
    status_line("wasm runs in a worker", ort_in_worker(), "the page stays responsive during a run");
}

// Remembers the last item's screen rectangle under `name` (see AppState::widget_rects).
void remember_item_rect(AppState& state, const std::string& name) {
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    state.widget_rects[name] = {a.x, a.y, b.x - a.x, b.y - a.y};
}

void draw_toolbar(AppState& state) {
    if (ImGui::Button("Open image or model...")) open_file_dialog();
    remember_item_rect(state, "open");
    ImGui::SameLine();
    ImGui::TextDisabled("or drop files anywhere  |  samples:");
    for (size_t i = 0; i < state.sample_images.size(); ++i) {
        const std::string& url = state.sample_images[i];
        ImGui::SameLine();
        ImGui::PushID(static_cast<int>(i));
        const std::string file = url.substr(url.find_last_of('/') + 1);
        if (ImGui::SmallButton(file.c_str())) fetch_file(url, "image");
        remember_item_rect(state, "sample:" + file);
        ImGui::PopID();
    }

    // Back-end: always shown, switchable; WebGPU only when the browser gave an adapter.
    ImGui::SameLine(0, 24);
    ImGui::TextUnformatted("Back-end:");
    const BackendReport& b = state.backends;
    if (!b.probed) {
        ImGui::SameLine();
        ImGui::TextDisabled("probing...");
    } else {
        ImGui::SameLine();
        ImGui::BeginDisabled(!b.webgpu_adapter);
        if (ImGui::RadioButton("WebGPU", state.backend == Backend::WebGpu)) set_backend(state, Backend::WebGpu);
        ImGui::EndDisabled();
        ImGui::SameLine();
        if (ImGui::RadioButton(b.wasm_threads ? "wasm (threads)" : "wasm (1 thread)", state.backend == Backend::Wasm))
            set_backend(state, Backend::Wasm);
        ImGui::SameLine();
        ImGui::TextColored(kGreen, "active: %s", backend_name(state.backend));
        ImGui::SameLine();
        ImGui::TextDisabled("(?)");
        if (ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            backend_details(b);
            ImGui::EndTooltip();
        }
    }

    // Sliders: decoding is cheap, so moving them redecodes the stored outputs, no model run.
    ImGui::SetNextItemWidth(180);
    bool changed = ImGui::SliderFloat("score threshold", &state.params.score_threshold, 0.01f, 0.99f, "%.2f");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(140);
    changed = ImGui::SliderInt("top-K", &state.params.top_k, 1, 100) || changed;
    if (changed) redecode(state);
    ImGui::SameLine(0, 24);
    ImGui::SetNextItemWidth(140);
    static const char* overlays[] = {"none", "heatmap", "wh left", "wh top", "wh right", "wh bottom"};
    if (ImGui::Combo("map", &state.overlay, overlays, IM_ARRAYSIZE(overlays)))
        for (Panel& p : state.panels) update_overlay_texture(p.pred, state.overlay);
    if (state.overlay != kOverlayNone) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(100);
        ImGui::SliderFloat("opacity", &state.overlay_alpha, 0.1f, 1.0f, "%.2f");
    }
    if (state.image.generation > 0) {
        ImGui::SameLine(0, 24);
        ImGui::TextDisabled("%s  %dx%d", state.image.name.c_str(), state.image.rgb.width, state.image.rgb.height);
    }
}

void draw_model_combo(AppState& state, int panel_index) {
    Panel& panel = state.panels[panel_index];
    const char* current = panel.model_index >= 0 ? state.models[panel.model_index].name.c_str() : "(none)";
    ImGui::SetNextItemWidth(220);
    if (ImGui::BeginCombo(panel_index == 0 ? "##model0" : "##model1", current)) {
        for (size_t i = 0; i < state.models.size(); ++i) {
            const Model& m = state.models[i];
            std::string label = m.name + "  [" + m.origin + "]";
            if (ImGui::Selectable(label.c_str(), static_cast<int>(i) == panel.model_index))
                select_model(state, panel_index, static_cast<int>(i));
        }
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::TextDisabled(panel_index == 0 ? "left model" : "right model");
}

void draw_message_line(const AppState& state) {
    ImGui::Separator();
    if (state.models.empty() && (state.messages.empty() || state.messages.back().text != state.model_list_source)) {
        ImGui::TextColored(kDim, "%s", state.model_list_source.c_str());
        ImGui::SameLine();
    }
    if (!state.messages.empty()) {
        const Message& m = state.messages.back();
        ImGui::TextColored(m.error ? kRed : kDim, "%s", m.text.c_str());
        if (state.messages.size() > 1 && ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            for (const Message& old : state.messages) ImGui::TextColored(old.error ? kRed : kDim, "%s", old.text.c_str());
            ImGui::EndTooltip();
        }
    } else {
        ImGui::TextColored(kDim, "Images and models are read in this browser only; nothing is uploaded.");
    }
}

} // namespace

void draw_ui(AppState& state) {
    state.hover_panel = state.hover_x = state.hover_y = -1;
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->WorkPos);
    ImGui::SetNextWindowSize(vp->WorkSize);
    ImGui::Begin("DeadZone", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoBackground);
    draw_toolbar(state);
    ImGui::Separator();

    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    const float line = ImGui::GetFrameHeightWithSpacing();
    const float column = (ImGui::GetContentRegionAvail().x - spacing) * 0.5f;
    // The dump table (a header and four channel rows) and its "copy as text" line.
    const float row = ImGui::GetTextLineHeight() + 2.0f * ImGui::GetStyle().CellPadding.y + 1.0f;
    const float dump_height = row * 5.0f + ImGui::GetStyle().ItemSpacing.y * 2.0f + ImGui::GetFrameHeightWithSpacing();
    const float child_height = std::max(200.0f, ImGui::GetContentRegionAvail().y - line * 1.2f);
    for (int p = 0; p < 2; ++p) {
        if (p == 1) ImGui::SameLine();
        ImGui::BeginChild(p == 0 ? "panel0" : "panel1", ImVec2(column, child_height), true,
                          ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
        draw_model_combo(state, p);
        const ImVec2 inner = ImGui::GetContentRegionAvail();
        draw_image_panel(state, p, inner.x, inner.y - dump_height);
        ImGui::SetCursorPosY(ImGui::GetWindowHeight() - dump_height - ImGui::GetStyle().WindowPadding.y);
        draw_prediction_dump(state, p);
        ImGui::EndChild();
    }
    draw_message_line(state);
    ImGui::End();
}

} // namespace deadzone::explorer
