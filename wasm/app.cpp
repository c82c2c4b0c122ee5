// The app shell's layout: a tab bar with one view per job (Detect, Replay, Gradient flow, Scan model), the active view, and a
// message line at the bottom. The whole thing is one borderless window that follows the browser
// window's size.
#include "app.h"

#include "detect_view.h"
#include "flow_view.h"
#include "replay_view.h"
#include "scan_view.h"

#include <imgui.h>
#include <imgui_internal.h> // ClosePopupsExceptModals: Escape closes an open menu (below)

namespace deadzone::explorer {

AppState& app_state() {
    static AppState state;
    return state;
}

void request_redraw(AppState& state) {
    state.redraw_frames = 1; // the next frame shows the change; later ones follow the pacing
}

void remember_item_rect(AppState& state, const std::string& name) {
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    state.widget_rects[name] = {a.x, a.y, b.x - a.x, b.y - a.y};
}

namespace {

const ImVec4 kRed(0.95f, 0.40f, 0.35f, 1.0f), kDim(0.6f, 0.63f, 0.68f, 1.0f);

// The tab bar keeps its own selection; the app's is state.view, which other places set too (the
// Detect view's Replay button, a number key, a test setter). Every frame the bar is told to select
// state.view (SetSelected only acts when the bar shows another tab), and a click on a tab sets
// state.view, so the two never disagree for more than a frame however quickly the view changes.
void draw_view_tabs(AppState& state) {
    if (ImGui::IsKeyPressed(ImGuiKey_1, false) && !ImGui::GetIO().WantTextInput) state.view = View::Detect;
    if (ImGui::IsKeyPressed(ImGuiKey_2, false) && !ImGui::GetIO().WantTextInput) state.view = View::Replay;
    if (ImGui::IsKeyPressed(ImGuiKey_3, false) && !ImGui::GetIO().WantTextInput) state.view = View::Flow;
    if (ImGui::IsKeyPressed(ImGuiKey_4, false) && !ImGui::GetIO().WantTextInput) state.view = View::Scan;
    if (!ImGui::BeginTabBar("views")) return;
    const struct {
        View view;
        const char* label;
        const char* name;
        const char* tooltip;
    } tabs[] = {
        {View::Detect, "Detect", "tab:detect", "Broken versus fixed on one image: boxes, wh channels, colour maps (key 1)"},
        {View::Replay, "Replay", "tab:replay", "Training telemetry step by step: watch a channel die, and why (key 2)"},
        {View::Flow, "Gradient flow", "tab:flow",
         "Why the channel dies: its gradient through ReLU and the variants, animated on the run's data, and a what-if (key 3)"},
        {View::Scan, "Scan model", "tab:scan",
         "Any ONNX model on your images: which channels are dead in every layer, and why (key 4)"},
    };
    View clicked = state.view;
    for (const auto& t : tabs) {
        const bool open = ImGui::BeginTabItem(t.label, nullptr, t.view == state.view ? ImGuiTabItemFlags_SetSelected : 0);
        if (ImGui::IsItemClicked()) clicked = t.view;
        remember_item_rect(state, t.name);
        // The tabs sit just above each view's toolbar: their tooltip waits for a still mouse (ForTooltip)
        // so that moving down to the toolbar does not cover it.
        if (ImGui::IsItemHovered(ImGuiHoveredFlags_ForTooltip)) ImGui::SetTooltip("%s", t.tooltip);
        if (open) ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
    state.view = clicked;
}

void draw_message_line(const AppState& state) {
    ImGui::Separator();
    if (state.detect.models.empty() && (state.messages.empty() || state.messages.back().text != state.detect.model_list_source)) {
        ImGui::TextColored(kDim, "%s", state.detect.model_list_source.c_str());
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

// ImGui closes popups on Escape only when keyboard navigation is on, and the explorer keeps it off
// because its views take the arrow keys, Space and Enter as shortcuts. A user still expects Escape to
// close an open combo or menu; one left open would otherwise swallow the next click outside it.
void close_popups_on_escape() {
    // A text field being edited takes Escape itself (to revert the edit).
    if (ImGui::IsKeyPressed(ImGuiKey_Escape, false) && !ImGui::GetIO().WantTextInput &&
        ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId | ImGuiPopupFlags_AnyPopupLevel))
        ImGui::ClosePopupsExceptModals();
}

} // namespace

void draw_ui(AppState& state) {
    state.detect.hover_panel = state.detect.hover_x = state.detect.hover_y = -1;
    state.widget_rects.clear(); // only what this frame draws (the other view's widgets are not on screen)
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->WorkPos);
    ImGui::SetNextWindowSize(vp->WorkSize);
    ImGui::Begin("DeadZone", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoBackground);
    close_popups_on_escape();
    draw_view_tabs(state);
    switch (state.view) {
    case View::Detect: draw_detect_view(state); break;
    case View::Replay: draw_replay_view(state); break;
    case View::Flow: draw_flow_view(state); break;
    case View::Scan: draw_scan_view(state); break;
    }
    draw_message_line(state);
    ImGui::End();
}

} // namespace deadzone::explorer
