// The Detect view's layout: a toolbar (open / samples / back-end / sliders / overlay), then the two
// model panels side by side with their prediction dumps under them.
#include "detect_view.h"

#include "file_drop.h"
#include "ground_truth.h"
#include "interface_popup.h"
#include "ort_session.h"
#include "pipeline.h"
#include "telemetry_loader.h"
#include "textures.h"

#include "deadzone/prediction_dump.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace deadzone::explorer {

namespace {

const ImVec4 kGreen(0.35f, 0.85f, 0.45f, 1.0f), kRed(0.95f, 0.40f, 0.35f, 1.0f);

void status_line(const char* label, bool ok, const char* detail) {
    ImGui::TextUnformatted(label);
    ImGui::SameLine(190.0f);
    ImGui::TextColored(ok ? kGreen : kRed, "%s", ok ? "yes" : "no");
    if (detail != nullptr && detail[0] != '\0') {
        ImGui::SameLine();
        ImGui::TextDisabled("(%s)", detail);
    }
}

// "GPU decode": on WebGPU, decode and count the wh channels with the WGSL shaders where ONNX Runtime
// left the outputs, reading the maps back only when a view needs them.
void draw_gpu_decode_checkbox(AppState& state) {
    ImGui::BeginDisabled(state.backend != Backend::WebGpu);
    bool on = state.detect.decode_on_gpu;
    if (ImGui::Checkbox("GPU decode", &on)) set_decode_on_gpu(state, on);
    ImGui::EndDisabled();
    remember_item_rect(state, "detect:gpu-decode");
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled | ImGuiHoveredFlags_ForTooltip))
        ImGui::SetTooltip(state.backend == Backend::WebGpu
                              ? "Decode the boxes and take the wh statistics on the GPU (shaders/decode.wgsl,\n"
                                "channel_stats.wgsl), where ONNX Runtime left the outputs: only the boxes and counters\n"
                                "are read back; the maps follow when a colour map, the hover read-out or a slider needs\n"
                                "them. Off: read the maps back and decode in wasm (core's decode). Same boxes either way.\n"
                                "Off by default on a software adapter (SwiftShader)."
                              : "Only on the WebGPU back-end");
}

void backend_details(const BackendReport& b) {
    status_line("WebGPU API", b.webgpu_api, b.webgpu_api ? "" : "navigator.gpu is missing");
    status_line("WebGPU adapter", b.webgpu_adapter, b.webgpu_adapter ? b.webgpu_adapter_info.c_str() : b.webgpu_error.c_str());
    status_line("Cross-origin isolated", b.cross_origin_isolated, b.cross_origin_isolated ? "" : "serve with COOP/COEP headers");
    status_line("wasm threads", b.wasm_threads, "");
    status_line("wasm SIMD", b.wasm_simd, "");
    ImGui::Text("Hardware threads: %d", b.hardware_concurrency);
    status_line("wasm runs in a worker", ort_in_worker(), "the page stays responsive during a run");
}

// The heatmap overlay's class: the best class per cell, or one class (names from the left panel's
// model, else the right's).
void draw_heatmap_class_combo(DetectState& detect) {
    const std::vector<std::string>* names = nullptr;
    int classes = 0;
    for (const Panel& p : detect.panels) {
        if (p.model_index < 0 || !p.pred.valid) continue;
        names = &detect.models[p.model_index].spec.class_names;
        classes = p.pred.out.classes;
        break;
    }
    auto name_of = [&](int c) {
        if (c < 0) return std::string("best class");
        return names != nullptr && c < static_cast<int>(names->size()) ? (*names)[c] : "class " + std::to_string(c);
    };
    ImGui::SameLine();
    ImGui::SetNextItemWidth(110);
    if (ImGui::BeginCombo("class", name_of(detect.heatmap_class).c_str())) {
        for (int c = -1; c < classes; ++c)
            if (ImGui::Selectable(name_of(c).c_str(), c == detect.heatmap_class)) {
                detect.heatmap_class = c;
                update_overlay_textures(detect);
            }
        ImGui::EndCombo();
    }
}

// "ground truth (G)": on when the image has labels; the tooltip says where they came from, or how
// to give some.
void draw_ground_truth_toggle(AppState& state) {
    DetectState& detect = state.detect;
    const bool available = has_ground_truth(detect);
    if (available && !ImGui::GetIO().WantTextInput && ImGui::IsKeyPressed(ImGuiKey_G, false))
        detect.show_ground_truth = !detect.show_ground_truth;
    ImGui::SameLine(0, 24);
    ImGui::BeginDisabled(!available);
    bool show = available && detect.show_ground_truth;
    if (ImGui::Checkbox("ground truth (G)", &show)) detect.show_ground_truth = show;
    ImGui::EndDisabled();
    remember_item_rect(state, "detect:ground-truth");
    if (!ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) return;
    if (available) {
        const YoloLabels& l = detect.ground_truth.labels;
        const std::string skipped = l.dropped.empty() ? "" : " (" + std::to_string(l.dropped.size()) + " rows skipped)";
        ImGui::SetTooltip(
            "%d boxes from %s%s\nDrawn white; each detection shows its IoU with the box it matches (IoU >= 0.5, same\n"
            "class), and each panel its precision, recall and mean IoU at the current score threshold.",
            static_cast<int>(l.boxes.size()), detect.ground_truth.file.c_str(), skipped.c_str());
    } else {
        ImGui::SetTooltip("No labels for this image. Drop its YOLO label file (same name, .txt: one\n"
                          "'class cx cy w h' row per object, normalised) with or after the image.");
    }
}

// Like remember_item_rect, but only the slider's frame (`width` px), not its label: tests press
// the slider where a value lies.
void remember_slider_frame(AppState& state, const std::string& name, float width) {
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    state.widget_rects[name] = {a.x, a.y, width, b.y - a.y};
}

// `value` rounded to the nearest multiple of `step`.
float snap_to_step(float value, float step) { return std::round(value / step) * step; }

void draw_toolbar(AppState& state) {
    if (ImGui::Button("Open image or model...")) open_file_dialog();
    remember_item_rect(state, "open");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "An image, an .onnx model (with its .data file if it has one) or YOLO .txt labels.\nOr drop files anywhere on the page.");
    if (!state.replay.shipped.empty()) {
        ImGui::SameLine();
        ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.55f, 0.22f, 0.20f, 1.0f));
        if (ImGui::Button("Why? Replay the training >>")) open_shipped_replay(state);
        ImGui::PopStyleColor();
        remember_item_rect(state, "replay-training");
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Open the training telemetry of %s and %s in the Replay view: watch the channel die, step by step",
                              state.detect.default_pair[0].c_str(), state.detect.default_pair[1].c_str());
    }
    ImGui::SameLine();
    // (Dropping files anywhere is said by the Open button's tooltip and the empty panels: the toolbar
    // must fit 1280 px with every control visible.)
    ImGui::TextDisabled("samples:");
    for (size_t i = 0; i < state.detect.samples.size(); ++i) {
        const SampleImage& sample = state.detect.samples[i];
        ImGui::SameLine();
        ImGui::PushID(static_cast<int>(i));
        if (ImGui::SmallButton(sample.name.c_str())) open_sample(state, sample);
        remember_item_rect(state, "sample:" + sample.name);
        if (ImGui::IsItemHovered() && !sample.purpose.empty()) {
            ImGui::BeginTooltip();
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32.0f); // a paragraph, not one line off the screen
            ImGui::TextUnformatted(sample.purpose.c_str());
            if (!sample.labels_url.empty()) ImGui::TextDisabled("Comes with YOLO labels: ground truth (G).");
            ImGui::PopTextWrapPos();
            ImGui::EndTooltip();
        }
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
        draw_gpu_decode_checkbox(state);
        ImGui::SameLine();
        ImGui::TextDisabled("(?)");
        if (ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            ImGui::TextColored(kGreen, "active: %s", backend_name(state.backend));
            backend_details(b);
            ImGui::EndTooltip();
        }
    }

    // Sliders: decoding is cheap, so moving them redecodes the stored outputs, no model run.
    // A drag snaps to round values (a click lands on 0.30, not 0.29); Ctrl+click types an exact one.
    DecodeParams& params = state.detect.params;
    ImGui::SetNextItemWidth(180);
    bool changed =
        ImGui::SliderFloat("score threshold", &params.score_threshold, 0.01f, 0.99f, "%.2f", ImGuiSliderFlags_AlwaysClamp);
    if (changed && ImGui::IsMouseDown(ImGuiMouseButton_Left))
        params.score_threshold = std::clamp(snap_to_step(params.score_threshold, 0.05f), 0.01f, 0.99f);
    remember_slider_frame(state, "detect:score-threshold", 180);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Boxes scoring below this are not drawn (redecodes, no model run).\n"
                          "Drag: steps of 0.05. Ctrl+click: type an exact value.");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(140);
    if (ImGui::SliderInt("top-K", &params.top_k, 1, 100, "%d", ImGuiSliderFlags_AlwaysClamp)) {
        changed = true;
        if (ImGui::IsMouseDown(ImGuiMouseButton_Left) && params.top_k >= 5)
            params.top_k = static_cast<int>(snap_to_step(static_cast<float>(params.top_k), 5.0f));
    }
    remember_slider_frame(state, "detect:top-k", 140);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("At most this many boxes: the highest-scoring heatmap peaks over all classes.\n"
                          "Drag: 1 to 4, then steps of 5. Ctrl+click: type an exact value.");
    if (changed) redecode(state);
    ImGui::SameLine(0, 24);
    ImGui::SetNextItemWidth(140);
    static const char* overlays[] = {"none", "heatmap", "wh left", "wh top", "wh right", "wh bottom"};
    if (ImGui::Combo("map", &state.detect.overlay, overlays, IM_ARRAYSIZE(overlays))) update_overlay_textures(state.detect);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Colour map over the image, one colour per feature-map cell: the heatmap's score\n"
                          "(a probability) or one wh distance (input pixels). Black is 0: a dead channel is black.");
    if (state.detect.overlay == kOverlayHeatmap) draw_heatmap_class_combo(state.detect);
    if (state.detect.overlay != kOverlayNone) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(100);
        ImGui::SliderFloat("opacity", &state.detect.overlay_alpha, 0.1f, 1.0f, "%.2f", ImGuiSliderFlags_AlwaysClamp);
    }
    draw_ground_truth_toggle(state);
    if (state.detect.image.generation > 0) {
        ImGui::SameLine(0, 24);
        ImGui::TextDisabled("%s  %dx%d", state.detect.image.name.c_str(), state.detect.image.rgb.width,
                            state.detect.image.rgb.height);
    }
}

// "left dead since step 2", or "no dead wh channel".
std::string dead_summary(const ModelCard& card) {
    if (card.dead_channels.empty()) return "no dead wh channel";
    std::string text;
    for (const auto& [channel, since] : card.dead_channels)
        text += (text.empty() ? "" : ", ") + std::string(wh_channel_name(channel)) + " dead since step " + std::to_string(since);
    return text;
}

// "mAP@0.5 0.18 · left dead since step 2": a shipped model's figures in one line.
std::string card_summary(const ModelCard& card) {
    if (!card.evaluated) return "not evaluated";
    char map[32];
    std::snprintf(map, sizeof map, "mAP@0.5 %.2f", card.map50);
    return std::string(map) + " \xc2\xb7 " + dead_summary(card);
}

// The tooltip of a model in the picker: what it is, what it was trained on, how well it does.
void model_tooltip(const DetectState& detect, const Model& m) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40.0f); // the training line is a paragraph: keep it on screen
    ImGui::Text("%s", m.name.c_str());
    if (const ModelCard* card = m.origin == ModelOrigin::Dropped ? nullptr : find_card(detect, m.name)) {
        if (!card->description.empty()) ImGui::Text("change: %s", card->description.c_str());
        if (!card->training.empty()) ImGui::Text("trained on: %s", card->training.c_str());
        if (card->evaluated) {
            ImGui::Text("mAP@0.5 %.3f, mean IoU of matched boxes %.3f", card->map50, card->mean_iou);
            ImGui::Text("wh channels: %s", dead_summary(*card).c_str());
            ImGui::TextDisabled("measured %s, %s", card->measured.c_str(), card->evaluated_on.c_str());
        }
        ImGui::TextDisabled("shipped with DeadZone: assets/models, trained by scripts/make_assets.sh");
    } else {
        ImGui::TextDisabled("%s: %s", model_origin_name(m.origin),
                            m.origin == ModelOrigin::Dropped ? "an .onnx you dropped or opened" : "not in the model manifest");
        if (!m.spec.variant.empty()) ImGui::Text("variant (from its metadata): %s", m.spec.variant.c_str());
    }
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

void draw_model_combo(AppState& state, int panel_index) {
    const DetectState& detect = state.detect;
    Panel& panel = state.detect.panels[panel_index];
    const char* current = panel.model_index >= 0 ? detect.models[panel.model_index].name.c_str() : "(none)";
    ImGui::SetNextItemWidth(200);
    if (ImGui::BeginCombo(panel_index == 0 ? "##model0" : "##model1", current)) {
        for (int i : models_in_list_order(detect)) {
            const Model& m = detect.models[i];
            if (ImGui::Selectable(m.name.c_str(), i == panel.model_index)) {
                state.detect.models_picked = true;
                select_model(state, panel_index, i);
            }
            if (ImGui::IsItemHovered()) model_tooltip(detect, m);
            const ModelCard* card = m.origin == ModelOrigin::Dropped ? nullptr : find_card(detect, m.name);
            ImGui::SameLine(120);
            ImGui::TextDisabled("%s", card != nullptr ? card->description.c_str() : model_origin_name(m.origin));
        }
        ImGui::EndCombo();
    }
    remember_item_rect(state, panel_index == 0 ? "detect:model0" : "detect:model1");
    if (ImGui::IsItemHovered() && panel.model_index >= 0) model_tooltip(detect, detect.models[panel.model_index]);
    draw_interface_button(state, panel_index);
    ImGui::SameLine();
    const Model* m = panel.model_index >= 0 ? &detect.models[panel.model_index] : nullptr;
    const ModelCard* card = m != nullptr && m->origin != ModelOrigin::Dropped ? find_card(detect, m->name) : nullptr;
    if (card != nullptr) {
        ImGui::TextDisabled("%s", card_summary(*card).c_str());
        if (ImGui::IsItemHovered()) model_tooltip(detect, *m);
    } else {
        ImGui::TextDisabled(panel_index == 0 ? "left model" : "right model");
    }
}

} // namespace

void draw_detect_view(AppState& state) {
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
}

} // namespace deadzone::explorer
