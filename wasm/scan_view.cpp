// The Scan view's layout: a toolbar (open / model / images / scaling / rules / scan / export), the
// model line and the summary (or the progress bar, or the error), then the activation layers in a
// sortable table with a dead-unit bar each, and the selected layer's channels as a grid with its
// static findings and feature-map thumbnails.
#include "scan_view.h"

#include "file_drop.h"
#include "help_marker.h"
#include "js_bindings.h"
#include "pipeline.h"
#include "scan_pipeline.h"
#include "textures.h"

#include "deadzone/file_names.h"
#include "deadzone/scan_report.h"

#include <imgui.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

namespace deadzone::explorer {

namespace {

const ImVec4 kRed(0.95f, 0.40f, 0.35f, 1.0f), kDim(0.6f, 0.63f, 0.68f, 1.0f), kAmber(0.98f, 0.75f, 0.30f, 1.0f),
    kGreen(0.35f, 0.85f, 0.45f, 1.0f);

ImU32 level_colour(DeadLevel level, float alpha = 1.0f) {
    const ImVec4 c = level == DeadLevel::Critical ? kRed : level == DeadLevel::Warning ? kAmber : kGreen;
    return ImGui::GetColorU32(ImVec4(c.x, c.y, c.z, alpha));
}

const char* scaling_label(InputScaling s) {
    switch (s) {
    case InputScaling::ImageNet: return "ImageNet mean/std";
    case InputScaling::ZeroToOne: return "0-1";
    case InputScaling::ZeroTo255: return "0-255";
    }
    return "?";
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

void draw_model_picker(AppState& state) {
    ScanState& scan = state.scan;
    ImGui::SetNextItemWidth(200);
    const std::string preview = scan.model_name.empty() ? "explorer's models" : scan.model_name;
    if (ImGui::BeginCombo("##scan-model", preview.c_str())) {
        for (int i : models_in_list_order(state.detect))
            if (ImGui::Selectable(state.detect.models[static_cast<std::size_t>(i)].name.c_str())) scan_detect_model(state, i);
        ImGui::EndCombo();
    }
    remember_item_rect(state, "scan:model");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Scan one of the models the Detect view has (shipped or dropped there)");
}

void draw_images_menu(AppState& state) {
    ScanState& scan = state.scan;
    char label[48];
    std::snprintf(label, sizeof label, "%d image%s", static_cast<int>(scan.images.size()), scan.images.size() == 1 ? "" : "s");
    ImGui::SetNextItemWidth(110);
    if (ImGui::BeginCombo("##scan-images", label)) {
        for (const ScanImage& image : scan.images) ImGui::TextUnformatted(image.name.c_str());
        if (scan.images.empty()) ImGui::TextColored(kDim, "none yet: drop images here");
        ImGui::EndCombo();
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("The images the scan runs on. Drop more here (at most 64)");
    ImGui::SameLine();
    if (ImGui::Button("samples")) fetch_scan_samples(state);
    remember_item_rect(state, "scan:samples");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Add the explorer's sample images");
    ImGui::SameLine();
    ImGui::BeginDisabled(scan.images.empty() || scan_running(scan));
    if (ImGui::Button("clear")) clear_scan_images(state);
    ImGui::EndDisabled();
    remember_item_rect(state, "scan:clear");
}

void draw_scaling_combo(ScanState& scan) {
    ImGui::SetNextItemWidth(150);
    const bool model_own = scan.use_model_norm && scan.model_norm_known;
    if (ImGui::BeginCombo("##scan-scaling", model_own ? "model's mean/std" : scaling_label(scan.scaling))) {
        if (scan.model_norm_known && ImGui::Selectable("model's mean/std", model_own)) scan.use_model_norm = true;
        for (InputScaling s : {InputScaling::ImageNet, InputScaling::ZeroToOne, InputScaling::ZeroTo255})
            if (ImGui::Selectable(scaling_label(s), !model_own && scan.scaling == s)) {
                scan.scaling = s;
                scan.use_model_norm = false;
            }
        ImGui::EndCombo();
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("How pixels are scaled for the model's input (images are letterboxed to its size).\n"
                          "ImageNet: (x/255 - mean) / std; 0-1: x/255; 0-255: x as is");
    ImGui::SameLine();
    bool bgr = scan.channel_order == ChannelOrder::Bgr;
    if (ImGui::Checkbox("BGR", &bgr)) scan.channel_order = bgr ? ChannelOrder::Bgr : ChannelOrder::Rgb;
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Feed the colour planes as blue, green, red: for models trained on images loaded with\n"
                          "OpenCV (Caffe, many mmdetection configs). Mean/std stay per colour.");
}

void draw_rules_popup(ScanState& scan) {
    if (ImGui::Button("rules")) ImGui::OpenPopup("scan-rules");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Thresholds of the static rules (applied at the next scan)");
    if (!ImGui::BeginPopup("scan-rules")) return;
    ImGui::TextUnformatted("Static rules: channels flagged from the weights alone:");
    float gamma = static_cast<float>(scan.thresholds.bn.gamma_eps), running = static_cast<float>(scan.thresholds.bn.running_eps),
          weight = static_cast<float>(scan.thresholds.weight_eps);
    ImGui::SetNextItemWidth(160);
    if (ImGui::InputFloat("|BN gamma| below", &gamma, 0, 0, "%.1e")) scan.thresholds.bn.gamma_eps = std::max(0.0f, gamma);
    ImGui::SetNextItemWidth(160);
    if (ImGui::InputFloat("BN running mean, var below", &running, 0, 0, "%.1e"))
        scan.thresholds.bn.running_eps = std::max(0.0f, running);
    ImGui::SetNextItemWidth(160);
    if (ImGui::InputFloat("every |conv weight| below", &weight, 0, 0, "%.1e"))
        scan.thresholds.weight_eps = std::max(0.0f, weight);
    ImGui::TextColored(kDim, "Each only where the channel feeds an activation that clips its constant output.");
    ImGui::EndPopup();
}

void draw_compare_checkbox(AppState& state) {
    ScanState& scan = state.scan;
    const Backend other = other_backend(state.backend);
    const bool available = backend_available(state, other);
    ImGui::BeginDisabled(!available || scan_running(scan));
    ImGui::Checkbox("compare", &scan.compare_backends);
    ImGui::EndDisabled();
    remember_item_rect(state, "scan:compare");
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip(available ? "After the scan, run it again on %s and name the first layer where the two back-ends "
                                      "disagree (per channel min / max / mean, tolerance 1e-3)"
                                    : "No %s here: this browser has no WebGPU adapter",
                          backend_name(other));
}

void draw_gpu_checkbox(AppState& state) {
    ScanState& scan = state.scan;
    ImGui::BeginDisabled(!state.backends.webgpu_adapter || scan_running(scan));
    ImGui::Checkbox("GPU counts", &scan.reduce_on_gpu);
    ImGui::EndDisabled();
    remember_item_rect(state, "scan:gpu");
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip(state.backends.webgpu_adapter
                              ? "On WebGPU: count each activation on the GPU (shaders/channel_stats.wgsl) and read back only\n"
                                "one record per channel after the last image. Off: read every output back and count in wasm.\n"
                                "Float16 models are always counted in wasm. Off by default on a software adapter\n"
                                "(SwiftShader), where the GPU's passes cost more than the read-back."
                              : "No WebGPU adapter here: the scan counts in wasm");
}

void draw_comparison(const ScanState& scan) {
    if (!scan.comparison_error.empty()) {
        ImGui::TextColored(kAmber, "Not compared with %s: %s", backend_name(scan.compared_with), scan.comparison_error.c_str());
        return;
    }
    if (!scan.comparison || !scan.report) return;
    const ScanComparison& c = *scan.comparison;
    const char* a = backend_name(other_backend(scan.compared_with));
    const char* b = backend_name(scan.compared_with);
    if (!c.comparable) ImGui::TextColored(kAmber, "%s and %s cannot be compared: %s", a, b, c.why.c_str());
    else if (c.layer < 0)
        ImGui::TextColored(kGreen, "%s and %s agree on every layer (largest difference %.2g)", a, b, c.max_difference);
    else
        ImGui::TextColored(kRed, "%s and %s first disagree at layer %d (%s), channel %d: %s %.5g on %s, %.5g on %s", a, b,
                           c.layer, scan.report->layers[static_cast<std::size_t>(c.layer)].layer.node.c_str(), c.channel,
                           c.quantity.c_str(), c.a, a, c.b, b);
}

void save_report(const ScanState& scan, bool markdown) {
    const std::string text = scan_report_text(scan, markdown);
    const std::string name = model_stem(scan.model_name) + (markdown ? ".deadzone-scan.md" : ".deadzone-scan.json");
    dz_js_save_file(name.c_str(), markdown ? "text/markdown" : "application/json", text.data(), static_cast<int>(text.size()));
}

void draw_toolbar(AppState& state) {
    ScanState& scan = state.scan;
    if (ImGui::Button("Open model...")) open_file_dialog();
    remember_item_rect(state, "scan:open");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Any ONNX model (and its .data file); images too. Or drop them on the page");
    ImGui::SameLine();
    draw_model_picker(state);
    ImGui::SameLine();
    draw_images_menu(state);
    ImGui::SameLine();
    draw_scaling_combo(scan);
    ImGui::SameLine();
    draw_rules_popup(scan);
    ImGui::SameLine();
    draw_compare_checkbox(state);
    ImGui::SameLine();
    draw_gpu_checkbox(state);
    ImGui::SameLine();
    if (scan_running(scan)) {
        if (ImGui::Button("Cancel")) cancel_scan(state);
    } else {
        ImGui::BeginDisabled(!scan.scan || scan.images.empty() || !scan.missing_data.empty());
        if (ImGui::Button(scan.report ? "Scan again" : "Scan")) start_scan(state);
        ImGui::EndDisabled();
        remember_item_rect(state, "scan:run");
        if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
            ImGui::SetTooltip("%s", !scan.scan                   ? "Open or pick a model first"
                                    : scan.images.empty()        ? "Add images first (drop them, or 'samples')"
                                    : !scan.missing_data.empty() ? "Drop the model's data file first"
                                                                 : "Run the model on every image and count dead units (Enter)");
    }
    ImGui::SameLine();
    ImGui::BeginDisabled(!scan.report);
    if (ImGui::Button("JSON")) save_report(scan, false);
    remember_item_rect(state, "scan:json");
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip("Download the report as JSON (the CLI's format)");
    ImGui::SameLine();
    if (ImGui::Button("Markdown")) save_report(scan, true);
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("Download the report as Markdown");
    ImGui::EndDisabled();
    if (!ImGui::GetIO().WantTextInput && ImGui::IsKeyPressed(ImGuiKey_Enter, false) && scan.scan && !scan.images.empty() &&
        !scan_running(scan) && scan.missing_data.empty())
        start_scan(state);
}

void draw_model_line(const AppState& state) {
    const ScanState& scan = state.scan;
    if (!scan.scan) return;
    int can_die = 0;
    for (const ActivationLayer& l : scan.scan->layers()) can_die += activation_can_die(l.op) ? 1 : 0;
    ImGui::Text("%s", scan.model_name.c_str());
    ImGui::SameLine();
    ImGui::TextColored(kDim, "%d activation layers (%d can die), input [1,3,%d,%d]%s, opset %lld, %d static finding%s, on %s",
                       static_cast<int>(scan.scan->layers().size()), can_die, scan.input.height, scan.input.width,
                       scan.input.symbolic ? " (symbolic H/W: letterboxed square)" : "",
                       static_cast<long long>(scan.scan->graph().opset), static_cast<int>(scan.scan->static_findings().size()),
                       scan.scan->static_findings().size() == 1 ? "" : "s", backend_name(state.backend));
    if (!scan.missing_data.empty())
        ImGui::TextColored(kAmber, "Waiting for its data file: drop %s", scan.missing_data.front().c_str());
}

void draw_status(const AppState& state) {
    const ScanState& scan = state.scan;
    if (scan_running(scan)) {
        const int images = static_cast<int>(scan.images.size());
        const int groups = std::max<int>(1, static_cast<int>(scan.groups.size()));
        const float done = images > 0 ? (scan.image_index + static_cast<float>(scan.group_index) / groups) / images : 0.0f;
        char overlay[200];
        const std::string pass = scan.pass == 1 ? std::string("comparing on ") + backend_name(scan.pass_backend) + ": " : "";
        if (scan.phase == ScanPhase::Opening)
            std::snprintf(overlay, sizeof overlay, "%sloading the model with its activations exposed...", pass.c_str());
        else if (scan.reading_totals || scan.image_index >= images) // after the last image: the GPU finishes its passes
            std::snprintf(overlay, sizeof overlay, "%sall %d images run; counting on the GPU and reading its counts back...",
                          pass.c_str(), images);
        else
            std::snprintf(overlay, sizeof overlay, "%simage %d of %d (%s)%s", pass.c_str(), scan.image_index + 1, images,
                          scan.images[static_cast<std::size_t>(scan.image_index)].name.c_str(),
                          groups > 1
                              ? (", layer group " + std::to_string(scan.group_index + 1) + "/" + std::to_string(groups)).c_str()
                              : "");
        ImGui::ProgressBar(done, ImVec2(-1, 0), overlay);
        return;
    }
    if (!scan.error.empty()) ImGui::TextColored(kRed, "%s", scan.error.c_str());
    if (scan.report) {
        ImGui::TextWrapped("%s.", scan_summary(*scan.report).c_str());
        ImGui::SameLine();
        ImGui::TextColored(kDim, "(%.1f s)", (scan.finished_ms - scan.started_ms) / 1000.0);
        draw_comparison(scan);
    }
}

// Indices of the report's layers in the table's order, filtered.
std::vector<int> visible_layers(const ScanState& scan) {
    std::vector<int> rows;
    const std::string filter = lower(scan.filter);
    for (std::size_t i = 0; i < scan.report->layers.size(); ++i) {
        const LayerScan& l = scan.report->layers[i];
        if (scan.only_dying && !activation_can_die(l.layer.op)) continue;
        if (!filter.empty() &&
            lower(l.layer.node + " " + l.layer.tensor + " " + activation_op_name(l.layer.op)).find(filter) == std::string::npos)
            continue;
        rows.push_back(static_cast<int>(i));
    }
    const auto& layers = scan.report->layers;
    if (scan.sort == ScanSort::DeadUnits)
        std::stable_sort(rows.begin(), rows.end(),
                         [&](int a, int b) { return layers[a].dead_unit_fraction() > layers[b].dead_unit_fraction(); });
    else if (scan.sort == ScanSort::DeadChannels)
        std::stable_sort(rows.begin(), rows.end(), [&](int a, int b) { // by share: 1/4 before 15/144
            const auto share = [&](int i) {
                return layers[i].channels.empty() ? 0.0 : double(layers[i].dead_channels()) / layers[i].channels.size();
            };
            return share(a) > share(b);
        });
    return rows;
}

void dead_bar(const LayerScan& l) {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float w = ImGui::GetContentRegionAvail().x, h = ImGui::GetTextLineHeight();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), ImGui::GetColorU32(ImVec4(1, 1, 1, 0.06f)));
    if (activation_can_die(l.layer.op)) {
        const float f = static_cast<float>(l.dead_unit_fraction());
        dl->AddRectFilled(p, ImVec2(p.x + w * f, p.y + h), level_colour(l.level(), 0.85f));
        char text[16];
        std::snprintf(text, sizeof text, "%.1f%%", 100.0 * f);
        dl->AddText(ImVec2(p.x + 4, p.y), ImGui::GetColorU32(ImGuiCol_Text), text);
    } else {
        dl->AddText(ImVec2(p.x + 4, p.y), ImGui::GetColorU32(kDim), "cannot die");
    }
    ImGui::Dummy(ImVec2(w, h));
}

void draw_layer_table(AppState& state) {
    ScanState& scan = state.scan;
    ImGui::SetNextItemWidth(160);
    ImGui::InputTextWithHint("##scan-filter", "filter layers", scan.filter, sizeof scan.filter);
    remember_item_rect(state, "scan:filter");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Show the layers whose node, tensor or op name contains this text");
    ImGui::SameLine();
    ImGui::Checkbox("only activations that can die", &scan.only_dying);
    help_marker("A unit is dead when the activation sits where its gradient is 0 (ReLU's 0, Clip's bounds, HardSwish "
                "below -3, Sigmoid/Tanh saturated) on every image scanned; a channel is dead when all its units are. "
                "Levels: OK below 10% dead units, WARNING below 50%, CRITICAL from 50%. LeakyReLU, PReLU, ELU, GELU, "
                "Softplus never have a zero gradient: listed, never dead.");
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_Sortable |
                                  ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("scan-layers", 7, flags, ImVec2(0, ImGui::GetContentRegionAvail().y))) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_DefaultSort, 28);
    ImGui::TableSetupColumn("layer", ImGuiTableColumnFlags_NoSort | ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("op", ImGuiTableColumnFlags_NoSort, 88);
    ImGui::TableSetupColumn("shape", ImGuiTableColumnFlags_NoSort, 95);
    ImGui::TableSetupColumn("dead units", ImGuiTableColumnFlags_PreferSortDescending, 110);
    ImGui::TableSetupColumn("dead ch.", ImGuiTableColumnFlags_PreferSortDescending, 72);
    ImGui::TableSetupColumn("NaN/Inf", ImGuiTableColumnFlags_NoSort, 55);
    ImGui::TableHeadersRow();
    if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsDirty && specs->SpecsCount > 0) {
        const int column = specs->Specs[0].ColumnIndex;
        scan.sort = column == 4 ? ScanSort::DeadUnits : column == 5 ? ScanSort::DeadChannels : ScanSort::GraphOrder;
        specs->SpecsDirty = false;
    }
    for (int i : visible_layers(scan)) {
        const LayerScan& l = scan.report->layers[static_cast<std::size_t>(i)];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        char id[16];
        std::snprintf(id, sizeof id, "%d", i);
        if (ImGui::Selectable(id, scan.selected_layer == i, ImGuiSelectableFlags_SpanAllColumns)) scan.selected_layer = i;
        remember_item_rect(state, "scan:layer:" + std::to_string(i));
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("%s\noutput tensor %s\ninput %s", l.layer.node.c_str(), l.layer.tensor.c_str(),
                              l.layer.input.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(l.layer.node.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(activation_op_name(l.layer.op));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(dims_text(l.shape).c_str());
        ImGui::TableNextColumn();
        dead_bar(l);
        ImGui::TableNextColumn();
        const int dead = l.dead_channels();
        if (dead > 0) ImGui::TextColored(kRed, "%d/%d", dead, static_cast<int>(l.channels.size()));
        else ImGui::TextColored(kDim, "0/%d", static_cast<int>(l.channels.size()));
        ImGui::TableNextColumn();
        if (l.nonfinite > 0) ImGui::TextColored(kRed, "%lld", static_cast<long long>(l.nonfinite));
        else ImGui::TextColored(kDim, "0");
    }
    ImGui::EndTable();
}

const StaticFinding* finding_for(const ScanReport& report, const LayerScan& l, int channel) {
    for (const StaticFinding& f : report.static_findings)
        if (f.activation == l.layer.tensor && f.channel == channel) return &f;
    return nullptr;
}

void channel_tooltip(const ScanReport& report, const LayerScan& l, int c) {
    const ChannelScan& s = l.channels[static_cast<std::size_t>(c)];
    ImGui::BeginTooltip();
    ImGui::Text("channel %d%s", c, s.dead() ? "  DEAD" : "");
    ImGui::Text("inactive %.1f%% of %lld values; %lld dead unit%s", 100.0 * s.inactive_fraction(),
                static_cast<long long>(s.values), static_cast<long long>(s.dead_units), s.dead_units == 1 ? "" : "s");
    ImGui::Text("min %.4g  max %.4g  mean %.4g", s.min, s.max, s.mean());
    if (s.nan + s.inf > 0)
        ImGui::TextColored(kRed, "NaN %lld  Inf %lld", static_cast<long long>(s.nan), static_cast<long long>(s.inf));
    if (const StaticFinding* f = finding_for(report, l, c)) {
        ImGui::Separator();
        ImGui::TextColored(kAmber, "%s (%s)", static_rule_name(f->rule), f->node.c_str());
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
        ImGui::TextUnformatted(static_rule_explanation(f->rule));
        ImGui::PopTextWrapPos();
        if (f->rule != StaticRule::ConvZeroWeights || f->running_var != 0.0f || f->gamma != 0.0f)
            ImGui::Text("gamma %.4g  beta %.4g  running mean %.4g  var %.4g", f->gamma, f->beta, f->running_mean, f->running_var);
        if (f->rule == StaticRule::ConvZeroWeights) ImGui::Text("max |weight| %.3g  bias %.4g", f->max_abs_weight, f->bias);
        ImGui::Text("constant pre-activation %.4g", f->pre_activation);
    }
    ImGui::EndTooltip();
}

// One square per channel: red when dead, amber to green by the share of inactive values, an amber
// ring where a static rule fired.
void draw_channel_grid(AppState& state, const LayerScan& l) {
    const ScanReport& report = *state.scan.report;
    const int n = static_cast<int>(l.channels.size());
    const float cell = n <= 64 ? 18.0f : n <= 256 ? 12.0f : 8.0f, gap = 2.0f;
    const float width = ImGui::GetContentRegionAvail().x;
    const int per_row = std::max(1, static_cast<int>((width + gap) / (cell + gap)));
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    int hovered = -1;
    for (int c = 0; c < n; ++c) {
        const ChannelScan& s = l.channels[static_cast<std::size_t>(c)];
        const ImVec2 a(origin.x + (c % per_row) * (cell + gap), origin.y + (c / per_row) * (cell + gap));
        const ImVec2 b(a.x + cell, a.y + cell);
        const float f = static_cast<float>(s.inactive_fraction());
        const ImU32 fill =
            s.dead() ? ImGui::GetColorU32(kRed)
            : s.nan + s.inf > 0
                ? ImGui::GetColorU32(ImVec4(0.7f, 0.3f, 0.9f, 1.0f))
                : ImGui::GetColorU32(ImVec4(0.35f + 0.6f * f, 0.85f - 0.25f * f, 0.45f - 0.2f * f, 0.35f + 0.5f * f));
        dl->AddRectFilled(a, b, fill);
        if (finding_for(report, l, c) != nullptr)
            dl->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(b.x + 1, b.y + 1), ImGui::GetColorU32(kAmber), 0, 0, 2.0f);
        if (mouse.x >= a.x && mouse.x < b.x && mouse.y >= a.y && mouse.y < b.y) hovered = c;
    }
    const int rows = (n + per_row - 1) / per_row;
    ImGui::Dummy(ImVec2(width, rows * (cell + gap)));
    state.scan.hover_channel = hovered;
    if (hovered >= 0 && ImGui::IsWindowHovered()) channel_tooltip(report, l, hovered);
}

// The selected layer's output on one image as a grid of thumbnails (up to 64 channels), each
// scaled to its own maximum; a dead channel is black with a red frame.
void draw_feature_maps(AppState& state) {
    ScanState& scan = state.scan;
    if (scan.images.empty()) return;
    const int image = scan.maps.image >= 0 && scan.maps.image < static_cast<int>(scan.images.size()) ? scan.maps.image : 0;
    ImGui::SetNextItemWidth(200);
    int chosen = image;
    if (ImGui::BeginCombo("feature maps of", scan.images[static_cast<std::size_t>(image)].name.c_str())) {
        for (int i = 0; i < static_cast<int>(scan.images.size()); ++i)
            if (ImGui::Selectable(scan.images[static_cast<std::size_t>(i)].name.c_str(), i == image)) chosen = i;
        ImGui::EndCombo();
    }
    request_layer_maps(state, scan.selected_layer, chosen);
    const LayerMaps& maps = scan.maps;
    if (maps.pending) {
        ImGui::TextColored(kDim, "running the model for this layer...");
        return;
    }
    if (!maps.error.empty()) {
        ImGui::TextColored(kRed, "%s", maps.error.c_str());
        return;
    }
    if (maps.shape.size() != 4 || maps.values.empty()) {
        if (!maps.values.empty()) ImGui::TextColored(kDim, "no spatial maps: the output is %s", dims_text(maps.shape).c_str());
        return;
    }
    const int channels = static_cast<int>(std::min<std::int64_t>(maps.shape[1], 64));
    const int h = static_cast<int>(maps.shape[2]), w = static_cast<int>(maps.shape[3]);
    if (h * w <= 1) {
        ImGui::TextWrapped("A 1x1 map per channel (e.g. a squeeze-and-excitation branch): the grid above shows them.");
        return;
    }
    if (scan.maps_texture_generation != maps.generation || scan.maps_texture == 0) {
        // Channels side by side in one texture, each scaled to its own largest value and sampled down
        // to at most 128 px a side (a thumbnail; 8 of 640 px would pass the GPU's texture limit).
        const int cols = 8, rows = (channels + cols - 1) / cols;
        const int tw = std::min(w, 128), th = std::min(h, 128);
        RgbImage atlas;
        atlas.width = cols * tw;
        atlas.height = rows * th;
        atlas.pixels.assign(static_cast<std::size_t>(atlas.width) * atlas.height * 3, 0);
        for (int c = 0; c < channels; ++c) {
            const float* plane = maps.values.data() + static_cast<std::size_t>(c) * h * w;
            float hi = 0.0f;
            for (int i = 0; i < h * w; ++i) hi = std::isfinite(plane[i]) ? std::max(hi, std::fabs(plane[i])) : hi;
            for (int y = 0; y < th; ++y)
                for (int x = 0; x < tw; ++x) {
                    float rgb[3];
                    const float v = plane[static_cast<std::size_t>(y * h / th) * w + x * w / tw];
                    colormap(hi > 0 && std::isfinite(v) ? std::fabs(v) / hi : 0.0f, rgb);
                    std::uint8_t* px =
                        &atlas.pixels[((static_cast<std::size_t>(c / cols) * th + y) * atlas.width + (c % cols) * tw + x) * 3];
                    for (int k = 0; k < 3; ++k) px[k] = static_cast<std::uint8_t>(std::lround(rgb[k] * 255.0f));
                }
        }
        scan.maps_texture = upload_rgb_texture(scan.maps_texture, atlas);
        scan.maps_texture_generation = maps.generation;
        scan.maps_atlas_cols = cols;
    }
    const float side = std::min(96.0f, (ImGui::GetContentRegionAvail().x - 8 * 4) / 8);
    const float tw = side, th = side * h / std::max(1, w);
    const int cols = scan.maps_atlas_cols, rows = (channels + cols - 1) / cols;
    const LayerScan& layer = scan.report->layers[static_cast<std::size_t>(maps.layer)];
    for (int c = 0; c < channels; ++c) {
        if (c % cols != 0) ImGui::SameLine(0, 4);
        const ImVec2 uv0(static_cast<float>(c % cols) / cols, static_cast<float>(c / cols) / rows);
        const ImVec2 uv1(static_cast<float>(c % cols + 1) / cols, static_cast<float>(c / cols + 1) / rows);
        ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(scan.maps_texture)), ImVec2(tw, th), uv0, uv1);
        if (layer.channels[static_cast<std::size_t>(c)].dead())
            ImGui::GetWindowDrawList()->AddRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax(), ImGui::GetColorU32(kRed), 0, 0,
                                                2.0f);
        if (ImGui::IsItemHovered()) channel_tooltip(*scan.report, layer, c);
    }
    if (maps.shape[1] > channels)
        ImGui::TextColored(kDim, "first %d of %lld channels", channels, static_cast<long long>(maps.shape[1]));
}

void draw_layer_details(AppState& state) {
    ScanState& scan = state.scan;
    if (scan.selected_layer < 0 || scan.selected_layer >= static_cast<int>(scan.report->layers.size())) {
        ImGui::TextColored(kDim, "Click a layer to see its channels.");
        return;
    }
    const LayerScan& l = scan.report->layers[static_cast<std::size_t>(scan.selected_layer)];
    ImGui::Text("%s", l.layer.node.c_str());
    ImGui::SameLine();
    ImGui::TextColored(kDim, "%s %s, %d image%s", activation_op_name(l.layer.op), dims_text(l.shape).c_str(), l.images,
                       l.images == 1 ? "" : "s");
    if (activation_can_die(l.layer.op)) {
        ImGui::TextColored(l.level() == DeadLevel::Critical  ? kRed
                           : l.level() == DeadLevel::Warning ? kAmber
                                                             : kGreen,
                           "%s: %.1f%% dead units, %d of %d channels dead", dead_level_name(l.level()),
                           100.0 * l.dead_unit_fraction(), l.dead_channels(), static_cast<int>(l.channels.size()));
    } else {
        ImGui::TextColored(kDim, "%s has no zero-gradient region: its units cannot die", activation_op_name(l.layer.op));
    }
    help_marker(
        "Each square is a channel: red = dead on every image, green to amber = the share of its values in the "
        "zero-gradient region, purple = NaN/Inf, amber ring = a static rule flags it from the weights (hover for the rule "
        "and the BN parameters).");
    draw_channel_grid(state, l);
    ImGui::Spacing();
    draw_feature_maps(state);
}

void draw_empty_state() {
    ImGui::Spacing();
    ImGui::TextWrapped("Drop any ONNX model here (a classifier, a detector, a segmenter; with its .data file if it has "
                       "one), or pick one of the explorer's models above. DeadZone runs it on your images, counts for every "
                       "activation the units that never leave the zero-gradient region, and checks the BN and conv weights for "
                       "channels that are dead whatever the input. Nothing leaves this browser.");
    ImGui::TextColored(kDim, "The same scan runs from the command line: node tools/deadzone-scan.mjs model.onnx --images DIR");
}

} // namespace

void draw_scan_view(AppState& state) {
    ScanState& scan = state.scan;
    if (!scan.samples_requested && scan.images.empty() && !state.detect.samples.empty()) fetch_scan_samples(state);
    draw_toolbar(state);
    draw_model_line(state);
    draw_status(state);
    if (!scan.scan && !scan.report) {
        draw_empty_state();
        return;
    }
    if (!scan.report) {
        if (!scan_running(scan))
            ImGui::TextColored(kDim, "Press Scan (or Enter) to run the model on the %d image%s.",
                               static_cast<int>(scan.images.size()), scan.images.size() == 1 ? "" : "s");
        return;
    }
    const float avail = ImGui::GetContentRegionAvail().y - ImGui::GetFrameHeightWithSpacing();
    ImGui::BeginChild("scan-layers", ImVec2(ImGui::GetContentRegionAvail().x * 0.55f, avail));
    draw_layer_table(state);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("scan-layer", ImVec2(0, avail));
    draw_layer_details(state);
    ImGui::EndChild();
}

} // namespace deadzone::explorer
