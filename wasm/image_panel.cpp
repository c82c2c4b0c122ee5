// One model's view of the image: the picture, its boxes, scores and centre points, an optional
// colour map of the heatmap or a wh channel, and the value under the mouse. On a panel whose model
// has a dead channel, the other panel's (healthy) left edges are drawn as a faint dashed ghost, so the
// collapse of x1 onto the centre is visible at a glance.
#include "detect_view.h"

#include "ground_truth.h"
#include "pipeline.h"
#include "textures.h"

#include "deadzone/feature_grid.h"
#include "deadzone/label_layout.h"
#include "deadzone/prediction_dump.h" // wh_channel_name

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <cstdio>
#include <string>
#include <vector>

namespace deadzone::explorer {

namespace {

const ImU32 kGroundTruthColour = IM_COL32(255, 255, 255, 235);

ImU32 class_colour(int class_id, int alpha = 255) {
    static const ImU32 rgb[] = {IM_COL32(255, 196, 61, 0),  IM_COL32(90, 200, 250, 0), IM_COL32(120, 230, 120, 0),
                                IM_COL32(240, 120, 220, 0), IM_COL32(255, 140, 90, 0), IM_COL32(160, 160, 255, 0)};
    return rgb[class_id % 6] | (static_cast<ImU32>(alpha) << IM_COL32_A_SHIFT);
}

void dashed_vline(ImDrawList* dl, float x, float y1, float y2, ImU32 col) {
    for (float y = y1; y < y2; y += 8.0f) dl->AddLine(ImVec2(x, y), ImVec2(x, std::min(y + 4.0f, y2)), col, 2.0f);
}

std::string class_label(const AppState& state, const Prediction& pred, int class_id) {
    const auto& names = state.detect.models[pred.model_index].spec.class_names;
    return class_id < static_cast<int>(names.size()) ? names[class_id] : "class " + std::to_string(class_id);
}

void hover_tooltip(AppState& state, const Prediction& pred, int cx, int cy) {
    const ModelOutputs& o = pred.out;
    const size_t plane = static_cast<size_t>(o.height) * o.width, i = static_cast<size_t>(cy) * o.width + cx;
    ImGui::BeginTooltip();
    ImGui::Text("cell (%d, %d)", cx, cy);
    for (int c = 0; c < o.classes; ++c)
        ImGui::Text("%-12s score %.3f  (logit %.2f)", class_label(state, pred, c).c_str(), sigmoid(o.heatmap[c * plane + i]),
                    o.heatmap[c * plane + i]);
    const DetectorInterface& spec = state.detect.models[static_cast<std::size_t>(pred.model_index)].spec;
    const bool centernet = spec.box_encoding == BoxEncoding::CenterNetSizeOffset;
    for (int c = 0; c < 4; ++c) {
        const float post = o.wh[c * plane + i];
        const ImVec4 colour = post == 0.0f ? ImVec4(1, 0.45f, 0.4f, 1) : ImVec4(0.85f, 0.85f, 0.85f, 1);
        const char* name = box_channel_name(spec.box_encoding, c);
        // TTFNet distances are in input pixels (cells multiplied out); CenterNet's channels as the
        // model wrote them: sizes in its box units, offsets always in cells.
        const bool in_cells = centernet && (c >= 2 || spec.box_units == BoxUnits::StrideUnits);
        const char* units = in_cells ? "cells" : "px";
        if (o.has_wh_pre())
            ImGui::TextColored(colour, "wh %-8s %8.3f %s   pre %8.4f", name, post, units, o.wh_pre[c * plane + i]);
        else ImGui::TextColored(colour, "wh %-8s %8.3f %s", name, post, units);
    }
    ImGui::EndTooltip();
}

// The hover read-out of a prediction decoded on the GPU whose maps are not here: asks for them (the
// read-out appears when they come, a frame or two later) or says why they could not be read.
void maps_not_here_tooltip(AppState& state, int panel_index, int cx, int cy) {
    read_maps_from_gpu(state, panel_index);
    const Prediction& pred = state.detect.panels[panel_index].pred;
    ImGui::BeginTooltip();
    ImGui::Text("cell (%d, %d)", cx, cy);
    if (pred.maps_error.empty()) ImGui::TextDisabled("reading the maps from the GPU...");
    else ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", pred.maps_error.c_str());
    ImGui::EndTooltip();
}

// The other panel's model when this panel draws its ghost (the other model's left edges over a dead
// channel's boxes), else -1: this prediction has a dead wh channel and the other, on the same image,
// has none.
int ghost_source(const AppState& state, int panel_index) {
    const Prediction& pred = state.detect.panels[panel_index].pred;
    const Prediction& other = state.detect.panels[1 - panel_index].pred;
    const bool ghost = pred.valid && prediction_has_dead_channel(pred) && other.valid &&
                       other.image_generation == pred.image_generation && !prediction_has_dead_channel(other);
    return ghost ? other.model_index : -1;
}

// A legend mark, drawn 14 px wide from `at` (its left end, vertically centred).
using MarkFn = void (*)(ImDrawList*, ImVec2, ImU32);
void mark_box(ImDrawList* dl, ImVec2 at, ImU32 colour) {
    dl->AddRect(ImVec2(at.x, at.y - 5), ImVec2(at.x + 14, at.y + 5), colour, 0, 0, 2.0f);
}
void mark_dot(ImDrawList* dl, ImVec2 at, ImU32 colour) {
    dl->AddCircleFilled(ImVec2(at.x + 7, at.y), 4.0f, colour);
    dl->AddCircle(ImVec2(at.x + 7, at.y), 4.0f, IM_COL32(0, 0, 0, 200), 12, 1.0f);
}
void mark_ground_truth(ImDrawList* dl, ImVec2 at, ImU32 colour) {
    dl->AddRect(ImVec2(at.x, at.y - 5), ImVec2(at.x + 14, at.y + 5), IM_COL32(0, 0, 0, 170), 0, 0, 3.5f);
    dl->AddRect(ImVec2(at.x, at.y - 5), ImVec2(at.x + 14, at.y + 5), colour, 0, 0, 1.5f);
}
void mark_dashes(ImDrawList* dl, ImVec2 at, ImU32 colour) { dashed_vline(dl, at.x + 7, at.y - 6, at.y + 6, colour); }

// One legend entry on the current line: its mark, then its text (also kept in `entries`).
void legend_entry(std::vector<std::string>& entries, MarkFn mark, ImU32 colour, const std::string& text) {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float h = ImGui::GetTextLineHeight();
    mark(ImGui::GetWindowDrawList(), ImVec2(p.x, p.y + h * 0.5f), colour);
    ImGui::Dummy(ImVec2(16, h));
    ImGui::SameLine(0, 2);
    ImGui::TextDisabled("%s", text.c_str());
    entries.push_back(text);
}

// What the image's marks mean, on one line under the panel's header: the classes found (box colour),
// the centre dot, and the ghost with the model it comes from. Only marks this panel draws.
void draw_marks_legend(AppState& state, int panel_index) {
    Panel& panel = state.detect.panels[panel_index];
    panel.legend.clear();
    const Prediction& pred = panel.pred;
    if (!shows_current_result(state.detect, panel)) return;
    std::vector<int> classes;
    for (const Detection& d : pred.decoded.detections)
        if (std::find(classes.begin(), classes.end(), d.class_id) == classes.end()) classes.push_back(d.class_id);
    std::sort(classes.begin(), classes.end());
    const bool show_gt = state.detect.show_ground_truth && has_ground_truth(state.detect);
    if (show_gt) {
        legend_entry(panel.legend, mark_ground_truth, kGroundTruthColour, "ground truth");
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Labelled boxes from %s (toggle: G)", state.detect.ground_truth.file.c_str());
        ImGui::SameLine(0, 12);
    }
    if (classes.empty()) {
        ImGui::TextDisabled("no boxes at this score threshold");
        return;
    }
    for (int c : classes) {
        legend_entry(panel.legend, mark_box, class_colour(c), class_label(state, pred, c));
        ImGui::SameLine(0, 12);
    }
    legend_entry(panel.legend, mark_dot, IM_COL32(200, 200, 200, 255), "box centre");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Each box grows from its heatmap peak (this dot) by the four wh distances: left, top,\n"
                          "right, bottom. A dead left channel puts every box's left edge on its dot.");
    if (const int g = ghost_source(state, panel_index); g >= 0) {
        ImGui::SameLine(0, 12);
        legend_entry(panel.legend, mark_dashes, IM_COL32(255, 255, 255, 160), "left edges by " + state.detect.models[g].name);
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Dashed: where %s, whose wh channels are alive, puts the left edge of each of its boxes.\n"
                              "This model's left channel is dead, so its own left edges sit on the centre dots.",
                              state.detect.models[g].name.c_str());
    }
}

// Ground-truth boxes: white over a dark outline, so they read on light and dark images alike.
template <typename ToScreen>
void draw_ground_truth_boxes(const YoloLabels& labels, const ToScreen& to_screen) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (const EvalBox& g : labels.boxes) {
        const ImVec2 a = to_screen(g.x1, g.y1), b = to_screen(g.x2, g.y2);
        dl->AddRect(a, b, IM_COL32(0, 0, 0, 170), 0.0f, 0, 3.5f);
        dl->AddRect(a, b, kGroundTruthColour, 0.0f, 0, 1.5f);
    }
}

// "person 0.42", and with ground truth " | IoU 0.81" (matched) or " | no match, IoU 0.31".
std::string detection_label(const AppState& state, const Prediction& pred, std::size_t i, const ImageMatch* match) {
    const Detection& d = pred.decoded.detections[i];
    char text[128];
    int n = std::snprintf(text, sizeof text, "%s %.2f", class_label(state, pred, d.class_id).c_str(), d.score);
    if (match != nullptr && i < match->gt_of_prediction.size() && n > 0 && n < static_cast<int>(sizeof text))
        std::snprintf(text + n, sizeof text - n, match->gt_of_prediction[i] >= 0 ? " | IoU %.2f" : " | no match, IoU %.2f",
                      match->iou_of_prediction[i]);
    return text;
}

// The detections' labels, placed so that none covers another (core/'s place_labels, by score); a
// label with no free place is drawn only while its box is hovered. Records what was drawn in
// panel.label_rects / labels_hidden for the state hook.
template <typename ToScreen>
void draw_detection_labels(AppState& state, Panel& panel, const ImageMatch* match, const ToScreen& to_screen,
                           const LayoutRect& bounds) {
    const Prediction& pred = panel.pred;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const std::size_t n = pred.decoded.detections.size();
    std::vector<std::string> texts(n);
    std::vector<LabelRequest> requests(n);
    for (std::size_t i = 0; i < n; ++i) {
        const Detection& d = pred.decoded.detections[i];
        texts[i] = detection_label(state, pred, i, match);
        const ImVec2 a = to_screen(d.x1, d.y1), b = to_screen(d.x2, d.y2), ts = ImGui::CalcTextSize(texts[i].c_str());
        requests[i] = {{a.x, a.y, b.x, b.y}, ts.x + 6, ts.y + 2};
    }
    const std::vector<LabelPlacement> placed = place_labels(requests, bounds);
    const ImVec2 mouse = ImGui::GetMousePos();
    panel.label_rects.clear();
    panel.labels_hidden = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const LabelRequest& r = requests[i];
        LabelPlacement at = placed[i];
        if (!at.shown) {
            ++panel.labels_hidden;
            const bool hovered = mouse.x >= r.box.x0 && mouse.x < r.box.x1 && mouse.y >= r.box.y0 && mouse.y < r.box.y1;
            if (!hovered) continue;
            at = {true, r.box.x0, std::max(bounds.y0, r.box.y0 - r.height)};
        } else {
            panel.label_rects.push_back({at.x, at.y, at.x + r.width, at.y + r.height});
        }
        const int class_id = pred.decoded.detections[i].class_id;
        dl->AddRectFilled(ImVec2(at.x, at.y), ImVec2(at.x + r.width, at.y + r.height), class_colour(class_id, 220));
        dl->AddText(ImVec2(at.x + 3, at.y + 1), IM_COL32(10, 10, 10, 255), texts[i].c_str());
    }
}

// The colour map (heatmap or a wh channel) over exactly the image at `origin`, `size` (screen px):
// each source point shows the cell nearest to it (feature_grid.h); cells that lie only in the
// letterbox padding are not drawn. Not clipped to the image: the rectangle is the image's already,
// and the clip's whole-pixel scissor would cut the image's last partial pixel column.
void draw_colour_map(const AppState& state, Panel& panel, ImVec2 origin, ImVec2 size) {
    std::fill(std::begin(panel.overlay_rect), std::end(panel.overlay_rect), 0.0f);
    const Prediction& pred = panel.pred;
    const DetectState& detect = state.detect;
    if (!shows_current_result(detect, panel) || detect.overlay == kOverlayNone || pred.overlay_texture == 0 ||
        pred.overlay_kind != detect.overlay || pred.overlay_class != detect.heatmap_class)
        return;
    const int stride = detect.models[pred.model_index].spec.stride;
    const FeatureMapUv uv = feature_map_uv(pred.letterbox, stride, pred.out.width, pred.out.height);
    const ImVec2 end(origin.x + size.x, origin.y + size.y);
    ImGui::GetWindowDrawList()->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(pred.overlay_texture)), origin, end,
                                         ImVec2(uv.u0, uv.v0), ImVec2(uv.u1, uv.v1),
                                         IM_COL32(255, 255, 255, static_cast<int>(detect.overlay_alpha * 255)));
    const float rect[4] = {origin.x, origin.y, end.x, end.y};
    std::copy(std::begin(rect), std::end(rect), std::begin(panel.overlay_rect));
}

// "vs ground truth: 3 of 5 found (IoU >= 0.5)  precision 0.60  recall 0.60  mean IoU 0.78", at the
// current score threshold; nothing when there is no ground truth, it is hidden, or no current result.
void draw_ground_truth_summary(const AppState& state, const Panel& panel) {
    const DetectState& detect = state.detect;
    if (!detect.show_ground_truth || !has_ground_truth(detect) || !shows_current_result(detect, panel)) return;
    const ImageMatch m = match_panel(detect, panel);
    const int gt = static_cast<int>(detect.ground_truth.labels.boxes.size());
    ImGui::Text("vs ground truth: %d of %d found", static_cast<int>(m.true_positives), gt);
    ImGui::SameLine();
    ImGui::TextDisabled("(IoU >= %.1f)  precision %.2f  recall %.2f  mean IoU %.2f", kMatchIou, m.precision, m.recall,
                        m.mean_iou);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("At score threshold %.2f: %d detections, %d of them match a labelled box of their class\n"
                          "with IoU >= %.1f (each box matched once, best score first: the mAP@0.5 rule).\n"
                          "Mean IoU is over the matched detections: a dead left channel makes boxes too narrow,\n"
                          "so it drops even when the boxes are found.",
                          detect.params.score_threshold, static_cast<int>(panel.pred.decoded.detections.size()),
                          static_cast<int>(m.true_positives), kMatchIou);
}

// What a colour map shows: "heatmap: best class score", "heatmap: car score", "wh left: distance from
// the centre to the box's left edge".
std::string colour_bar_title(const AppState& state, const Prediction& pred, int overlay) {
    if (overlay == kOverlayHeatmap)
        return pred.overlay_shown_class < 0 ? "heatmap: best class score"
                                            : "heatmap: " + class_label(state, pred, pred.overlay_shown_class) + " score";
    const BoxEncoding encoding = state.detect.models[static_cast<std::size_t>(pred.model_index)].spec.box_encoding;
    const char* side = box_channel_name(encoding, overlay - kOverlayWh0);
    if (encoding == BoxEncoding::CenterNetSizeOffset) return std::string("box ") + side + " (CenterNet)";
    return std::string("wh ") + side + ": centre to " + side + " edge";
}

// The colour map's scale, on one line: what it shows, a gradient from 0 (black) to its top value, and
// the units (scores as probabilities, wh distances in the model input's pixels).
void draw_colour_bar(const AppState& state, Panel& panel) {
    panel.colour_bar.clear();
    panel.colour_bar_units.clear();
    const DetectState& detect = state.detect;
    const Prediction& pred = panel.pred;
    if (detect.overlay == kOverlayNone || !shows_current_result(detect, panel) || pred.overlay_kind != detect.overlay) return;
    const bool heatmap = detect.overlay == kOverlayHeatmap;
    panel.colour_bar = colour_bar_title(state, pred, detect.overlay);
    panel.colour_bar_units = heatmap ? "probability" : "input px";
    ImGui::TextDisabled("%s", panel.colour_bar.c_str());
    ImGui::SameLine();
    ImGui::TextUnformatted("0");
    ImGui::SameLine(0, 4);
    const float width = 140.0f, height = ImGui::GetTextLineHeight() * 0.8f;
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float top = p.y + (ImGui::GetTextLineHeight() - height) * 0.5f;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    constexpr int kSteps = 28;
    for (int k = 0; k < kSteps; ++k) {
        float a[3], b[3];
        colormap(static_cast<float>(k) / kSteps, a);
        colormap(static_cast<float>(k + 1) / kSteps, b);
        const ImU32 ca = ImGui::ColorConvertFloat4ToU32(ImVec4(a[0], a[1], a[2], 1)),
                    cb = ImGui::ColorConvertFloat4ToU32(ImVec4(b[0], b[1], b[2], 1));
        dl->AddRectFilledMultiColor(ImVec2(p.x + width * k / kSteps, top), ImVec2(p.x + width * (k + 1) / kSteps, top + height),
                                    ca, cb, cb, ca);
    }
    dl->AddRect(ImVec2(p.x, top), ImVec2(p.x + width, top + height), IM_COL32(120, 120, 120, 255));
    ImGui::Dummy(ImVec2(width, ImGui::GetTextLineHeight()));
    ImGui::SameLine(0, 4);
    if (heatmap) ImGui::Text("1 %s", panel.colour_bar_units.c_str());
    else ImGui::Text("%.1f %s", pred.overlay_range_max, panel.colour_bar_units.c_str());
    if (ImGui::IsItemHovered() && !heatmap)
        ImGui::SetTooltip("All four wh maps share this scale (the largest wh value of this image), so a dead channel is\n"
                          "black beside its live neighbours. Input pixels are the model's %dx%d input; this image is\n"
                          "scaled by %.3f to fit it (letterbox).",
                          pred.letterbox.input_width, pred.letterbox.input_height, pred.letterbox.scale);
}

// "320x320", or for a model with symbolic H and W the size picked for this image: "512x320 picked".
std::string input_size_text(const AppState& state, const Panel& panel) {
    const DetectorInterface& spec = state.detect.models[panel.model_index].spec;
    const LoadedImage& img = state.detect.image;
    const InputSize size =
        pick_input_size(spec, img.generation > 0 ? img.rgb.width : 640, img.generation > 0 ? img.rgb.height : 480);
    return std::to_string(size.width) + "x" + std::to_string(size.height) + (spec.fixed_input() ? "" : " picked");
}

} // namespace

void draw_spinner(float radius, double time) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const ImVec2 c(p.x + radius, p.y + radius + 2);
    const float a0 = static_cast<float>(time * 6.0);
    dl->PathArcTo(c, radius, a0, a0 + 4.2f, 20);
    dl->PathStroke(IM_COL32(110, 170, 255, 255), 0, 2.5f);
    ImGui::Dummy(ImVec2(radius * 2 + 4, radius * 2 + 4));
}

void draw_image_panel(AppState& state, int panel_index, float width, float height) {
    Panel& panel = state.detect.panels[panel_index];
    const Prediction& pred = panel.pred;
    const bool current = shows_current_result(state.detect, panel);
    const Model* model = panel.model_index >= 0 ? &state.detect.models[panel.model_index] : nullptr;

    // Header: model, what it found, how long it took; a spinner while it runs.
    ImGui::BeginGroup();
    if (model == nullptr) {
        ImGui::TextDisabled("no model selected");
    } else {
        ImGui::Text("%s", model->name.c_str());
        ImGui::SameLine();
        ImGui::TextDisabled("(%s%s%s, %s)", model->spec.variant.empty() ? "no variant" : model->spec.variant.c_str(),
                            model->spec.activation.empty() ? "" : ", ", model->spec.activation.c_str(),
                            input_size_text(state, panel).c_str());
        const bool busy = panel.needs_run || panel.request_id != 0 || model->session_pending;
        if (busy) {
            ImGui::SameLine();
            draw_spinner(7.0f, ImGui::GetTime());
            ImGui::SameLine();
            ImGui::TextDisabled(model->session_pending ? "loading model..." : "running...");
        } else if (current) {
            ImGui::SameLine();
            ImGui::TextDisabled("| %d boxes, %.1f ms run on %s%s", static_cast<int>(pred.decoded.detections.size()), pred.run_ms,
                                backend_name(pred.backend), pred.decoded_on_gpu ? ", decoded on the GPU" : "");
            if (pred.decoded_on_gpu && ImGui::IsItemHovered(ImGuiHoveredFlags_ForTooltip))
                ImGui::SetTooltip("Boxes and wh statistics from shaders/decode.wgsl and channel_stats.wgsl (run time included);\n"
                                  "the maps %s",
                                  pred.kept_maps_handle != 0 ? "are still on the GPU (read when a view needs them)"
                                                             : "have been read back");
        }
    }
    if (!panel.error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", panel.error.c_str());
    draw_marks_legend(state, panel_index);
    draw_ground_truth_summary(state, panel);
    draw_colour_bar(state, panel);
    ImGui::EndGroup();

    const ImVec2 avail(width, std::max(40.0f, height - ImGui::GetItemRectSize().y - 6.0f));
    const LoadedImage& img = state.detect.image;
    if (img.generation == 0) {
        ImGui::Dummy(avail);
        const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
        ImGui::GetWindowDrawList()->AddRect(a, b, IM_COL32(90, 100, 115, 255), 6.0f, 0, 1.5f);
        const char* hint = "Drop an image (PNG, JPEG, BMP, GIF) or an .onnx model anywhere";
        const ImVec2 ts = ImGui::CalcTextSize(hint);
        ImGui::GetWindowDrawList()->AddText(ImVec2((a.x + b.x - ts.x) / 2, (a.y + b.y - ts.y) / 2), IM_COL32(150, 160, 175, 255),
                                            hint);
        return;
    }

    // Fit the image into the panel, keeping its aspect ratio.
    const float s = std::min(avail.x / img.texture_width, avail.y / img.texture_height);
    const ImVec2 size(img.texture_width * s, img.texture_height * s);
    ImVec2 origin = ImGui::GetCursorScreenPos();
    origin.x += (avail.x - size.x) * 0.5f;
    origin.y += (avail.y - size.y) * 0.5f;
    ImGui::SetCursorScreenPos(origin);
    panel.image_rect[0] = origin.x, panel.image_rect[1] = origin.y, panel.image_rect[2] = s;
    ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(img.texture)), size);
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    draw_colour_map(state, panel, origin, size);
    dl->PushClipRect(origin, ImVec2(origin.x + size.x, origin.y + size.y), true);
    auto to_screen = [&](float x, float y) { return ImVec2(origin.x + x * s, origin.y + y * s); };

    const bool show_gt = current && state.detect.show_ground_truth && has_ground_truth(state.detect);
    const ImageMatch match = show_gt ? match_panel(state.detect, panel) : ImageMatch{};
    if (current) {
        const Letterbox& lb = pred.letterbox;
        const int stride = state.detect.models[pred.model_index].spec.stride;
        // Ghost: the healthy model's left edges, over the dead one's boxes.
        if (ghost_source(state, panel_index) >= 0) {
            const Prediction& other = state.detect.panels[1 - panel_index].pred;
            for (const Detection& d : other.decoded.detections) {
                const ImVec2 a = to_screen(d.x1, d.y1), b = to_screen(d.x1, d.y2);
                dashed_vline(dl, a.x, a.y, b.y, IM_COL32(255, 255, 255, 90));
                dl->AddLine(a, to_screen(d.center_x, d.y1), IM_COL32(255, 255, 255, 40), 1.0f);
                dl->AddLine(b, to_screen(d.center_x, d.y2), IM_COL32(255, 255, 255, 40), 1.0f);
            }
        }
        if (show_gt) draw_ground_truth_boxes(state.detect.ground_truth.labels, to_screen);
        for (const Detection& d : pred.decoded.detections) {
            const ImVec2 a = to_screen(d.x1, d.y1), b = to_screen(d.x2, d.y2), c = to_screen(d.center_x, d.center_y);
            dl->AddRect(a, b, class_colour(d.class_id), 0.0f, 0, 2.0f);
            dl->AddCircleFilled(c, 4.0f, class_colour(d.class_id));
            dl->AddCircle(c, 4.0f, IM_COL32(0, 0, 0, 200), 12, 1.0f);
        }
        draw_detection_labels(state, panel, show_gt ? &match : nullptr, to_screen,
                              LayoutRect{origin.x, origin.y, origin.x + size.x, origin.y + size.y});
        // Hover: which feature-map cell is under the mouse, and what the model said there.
        if (hovered) {
            const ImVec2 m = ImGui::GetMousePos();
            const float sx = (m.x - origin.x) / s, sy = (m.y - origin.y) / s;
            const float ix = sx * lb.scale + lb.pad_left, iy = sy * lb.scale + lb.pad_top;
            const int cx = nearest_cell(ix, stride, pred.out.width), cy = nearest_cell(iy, stride, pred.out.height);
            if (sx >= 0 && sy >= 0 && sx < img.texture_width && sy < img.texture_height) {
                state.detect.hover_panel = panel_index, state.detect.hover_x = cx, state.detect.hover_y = cy;
                dl->AddRect(to_screen(lb.to_source_x(cx * stride - stride * 0.5f), lb.to_source_y(cy * stride - stride * 0.5f)),
                            to_screen(lb.to_source_x(cx * stride + stride * 0.5f), lb.to_source_y(cy * stride + stride * 0.5f)),
                            IM_COL32(255, 255, 255, 220));
                if (pred.has_maps()) hover_tooltip(state, pred, cx, cy);
                else maps_not_here_tooltip(state, panel_index, cx, cy);
            }
        }
    }
    dl->PopClipRect();
}

} // namespace deadzone::explorer
