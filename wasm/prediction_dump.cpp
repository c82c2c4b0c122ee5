// The raw prediction dump: for every wh channel, min/max/mean/fraction-zero of the pre-activation
// and of the post-activation output, computed by core's per_channel_stats (the same code the trainer's
// telemetry and eval CLI use). A channel whose output is exactly zero everywhere is dead: red. The
// text form ("copy as text": the channel lines and the detections) is core's prediction_dump
// formatting, line for line what ttfnet-eval prints.
#include "detect_view.h"
#include "js_bindings.h"
#include "js_exports.h"

#include "deadzone/diagnostics.h"
#include "deadzone/prediction_dump.h"

#include <emscripten/emscripten.h>
#include <imgui.h>

#include <string>

extern "C" EMSCRIPTEN_KEEPALIVE void dz_on_text_copied(int ok, const char* why) {
    using namespace deadzone::explorer;
    request_redraw(app_state());
    post_message(app_state(), ok ? "dump copied to the clipboard" : std::string("could not copy the dump: ") + why, !ok);
}

namespace deadzone::explorer {

std::string prediction_dump_text(const DetectState& detect, const Prediction& pred) {
    if (!pred.valid) return "";
    const Model& model = detect.models[pred.model_index];
    DecodeParams params = detect.params;
    params.stride = model.spec.stride;
    // Without a wh_pre output there are no pre-activation lines (dead is judged on wh itself).
    return format_wh_dump(pred.post_stats, model.spec.box_encoding) +
           (pred.pre_stats.empty() ? "" : format_wh_pre_dump(pred.pre_stats)) +
           format_decoded(pred.decoded, params, model.spec.class_names);
}

bool prediction_has_dead_channel(const Prediction& pred) {
    if (!pred.valid) return false;
    for (const ChannelStats& s : pred.post_stats)
        if (channel_is_dead(s)) return true;
    return false;
}

void draw_prediction_dump(const AppState& state, int panel_index) {
    const Panel& panel = state.detect.panels[panel_index];
    const Prediction& pred = panel.pred;
    if (!pred.valid || pred.model_index != panel.model_index) {
        ImGui::TextDisabled("no prediction yet");
        return;
    }
    const BoxEncoding encoding = state.detect.models[static_cast<std::size_t>(pred.model_index)].spec.box_encoding;
    const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchSame;
    if (ImGui::BeginTable("dump", 10, flags)) {
        ImGui::TableSetupColumn("wh", ImGuiTableColumnFlags_WidthFixed, 52.0f);
        for (const char* h : {"pre min", "pre max", "pre mean", "pre 0s", "min", "max", "mean", "0s"}) ImGui::TableSetupColumn(h);
        ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, 44.0f);
        ImGui::TableHeadersRow();
        const ImVec4 red(1.0f, 0.38f, 0.33f, 1.0f), normal(0.9f, 0.9f, 0.9f, 1.0f);
        for (int c = 0; c < 4 && c < static_cast<int>(pred.post_stats.size()); ++c) {
            const ChannelStats* pre = c < static_cast<int>(pred.pre_stats.size()) ? &pred.pre_stats[c] : nullptr;
            const ChannelStats& post = pred.post_stats[c];
            const bool dead = channel_is_dead(post);
            const ImVec4 col = dead ? red : normal;
            ImGui::TableNextRow();
            if (dead) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, IM_COL32(110, 30, 30, 120));
            ImGui::TableNextColumn();
            ImGui::TextColored(col, "%s", box_channel_name(encoding, c));
            for (const ChannelStats* st : {pre, &post}) {
                if (st == nullptr) { // no wh_pre output: the pre-activation columns stay empty
                    for (int k = 0; k < 4; ++k) ImGui::TableNextColumn(), ImGui::TextDisabled("-");
                    continue;
                }
                ImGui::TableNextColumn();
                // 4 significant digits: readable in a narrow window, exact where it matters (0, 1).
                ImGui::TextColored(col, "%.4g", st->min);
                ImGui::TableNextColumn();
                ImGui::TextColored(col, "%.4g", st->max);
                ImGui::TableNextColumn();
                ImGui::TextColored(col, "%.4g", st->mean);
                ImGui::TableNextColumn();
                ImGui::TextColored(col, "%.3g", st->fraction_zero);
            }
            ImGui::TableNextColumn();
            if (dead) ImGui::TextColored(red, "DEAD");
        }
        ImGui::EndTable();
    }
    // The same numbers as ttfnet-eval's text, formatted by the same core code, to compare or paste.
    if (ImGui::SmallButton("copy as text")) dz_js_copy_text(prediction_dump_text(state.detect, pred).c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("(as ttfnet-eval prints it)");
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::TextUnformatted(prediction_dump_text(state.detect, pred).c_str());
        ImGui::EndTooltip();
    }
}

} // namespace deadzone::explorer
