#include "interface_popup.h"

#include "pipeline.h"

#include <imgui.h>

#include <string>
#include <vector>

namespace deadzone::explorer {

namespace {

// A combo over the model's 4-D outputs (plus "(none)" when optional) choosing `name`.
void output_combo(const char* label, const OnnxInfo& onnx, std::string& name, bool optional) {
    std::vector<const TensorInfo*> choices;
    for (const TensorInfo& t : onnx.outputs)
        if (t.dims.size() == 4) choices.push_back(&t);
    const std::string current = name.empty() ? "(none)" : name;
    ImGui::SetNextItemWidth(220);
    if (!ImGui::BeginCombo(label, current.c_str())) return;
    if (optional && ImGui::Selectable("(none)", name.empty())) name.clear();
    for (const TensorInfo* t : choices) {
        const std::string text = t->name + " " + dims_text(t->dims);
        if (ImGui::Selectable(text.c_str(), t->name == name)) name = t->name;
    }
    ImGui::EndCombo();
}

void draw_mapping_editor(AppState& state) {
    DetectState& detect = state.detect;
    const Model& model = detect.models[static_cast<std::size_t>(detect.editing_model)];
    InterfaceMapping& m = detect.editing_mapping;
    ImGui::Text("Interface of %s", model.name.c_str());
    ImGui::TextDisabled("input %s %s; outputs found %s", model.spec.input_name.c_str(),
                        dims_text(model.onnx.inputs.empty() ? std::vector<std::int64_t>{} : model.onnx.inputs[0].dims).c_str(),
                        model.spec.found_by.c_str());
    ImGui::Separator();
    output_combo("heatmap", model.onnx, m.heatmap, false);
    int encoding = m.heatmap_encoding == HeatmapEncoding::Logits ? 0 : 1;
    ImGui::SameLine();
    ImGui::RadioButton("logits", &encoding, 0);
    ImGui::SameLine();
    ImGui::RadioButton("probabilities (after a sigmoid)", &encoding, 1);
    m.heatmap_encoding = encoding == 0 ? HeatmapEncoding::Logits : HeatmapEncoding::Probabilities;
    int encoding_choice = m.box_encoding == BoxEncoding::TtfnetLtrb ? 0 : 1;
    ImGui::RadioButton("TTFNet: left, top, right, bottom distances", &encoding_choice, 0);
    ImGui::SameLine();
    ImGui::RadioButton("CenterNet: width/height + centre offset", &encoding_choice, 1);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("CenterNet (Objects as Points) writes a 2-channel box size and a 2-channel sub-cell offset\n"
                          "of the centre (in cells). DeadZone turns them into left/top/right/bottom distances to decode;\n"
                          "the dump shows width, height, offset x, offset y as the model wrote them.");
    const BoxEncoding chosen = encoding_choice == 0 ? BoxEncoding::TtfnetLtrb : BoxEncoding::CenterNetSizeOffset;
    // CenterNet's reference regresses sizes in cells; switching to it starts there.
    if (chosen != m.box_encoding && chosen == BoxEncoding::CenterNetSizeOffset) m.box_units = BoxUnits::StrideUnits;
    m.box_encoding = chosen;
    const bool centernet = m.box_encoding == BoxEncoding::CenterNetSizeOffset;
    output_combo(centernet ? "box size (width, height)" : "box map (left, top, right, bottom)", model.onnx, m.wh, false);
    int units = m.box_units == BoxUnits::InputPixels ? 0 : 1;
    ImGui::RadioButton(centernet ? "sizes in input pixels" : "distances in input pixels", &units, 0);
    ImGui::SameLine();
    ImGui::RadioButton("in feature cells (x stride)", &units, 1);
    m.box_units = units == 0 ? BoxUnits::InputPixels : BoxUnits::StrideUnits;
    if (centernet) {
        output_combo("centre offset (dx, dy in cells)", model.onnx, m.offset, false);
    } else {
        output_combo("box map before its activation", model.onnx, m.wh_pre, true);
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Optional. With it, the dump shows the pre-activation; without it, a channel is dead\n"
                              "when the box map itself is exactly zero everywhere.");
    }
    ImGui::SetNextItemWidth(120);
    ImGui::InputInt("stride (input pixels per feature cell)", &m.stride);
    int scaling = static_cast<int>(m.scaling);
    static const char* scalings[] = {"ImageNet mean/std on 0-1", "0-1", "0-255"};
    ImGui::SetNextItemWidth(220);
    ImGui::Combo("input scaling", &scaling, scalings, IM_ARRAYSIZE(scalings));
    m.scaling = static_cast<InputScaling>(scaling);
    int order = m.channel_order == ChannelOrder::Rgb ? 0 : 1;
    ImGui::RadioButton("RGB planes", &order, 0);
    ImGui::SameLine();
    ImGui::RadioButton("BGR planes (OpenCV / Caffe-trained)", &order, 1);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("The order of the input's three colour planes. A model trained on images loaded with OpenCV\n"
                          "expects blue first; fed RGB it sees a red object as blue. Mean/std stay per colour.");
    m.channel_order = order == 0 ? ChannelOrder::Rgb : ChannelOrder::Bgr;
    if (!detect.mapping_error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", detect.mapping_error.c_str());
    if (ImGui::Button("Apply")) {
        // The fields of the other encoding are kept while editing (switching back restores them) and
        // left out here: a pre-activation map goes with TTFNet's distances, an offset with CenterNet.
        InterfaceMapping applied = m;
        if (centernet) applied.wh_pre.clear();
        else applied.offset.clear();
        detect.mapping_error = centernet && m.offset.empty() ? "choose the output that holds CenterNet's centre offset"
                                                             : apply_model_mapping(state, detect.editing_model, applied);
        if (detect.mapping_error.empty()) ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::SameLine();
    ImGui::TextDisabled("remembered in this browser for this model file");
}

} // namespace

void draw_interface_button(AppState& state, int panel_index) {
    DetectState& detect = state.detect;
    const int model_index = detect.panels[panel_index].model_index;
    if (model_index < 0) return;
    ImGui::SameLine();
    ImGui::PushID(panel_index);
    if (ImGui::SmallButton("interface")) {
        detect.editing_model = model_index;
        detect.editing_mapping = mapping_of(detect.models[static_cast<std::size_t>(model_index)].spec);
        detect.mapping_error.clear();
        ImGui::OpenPopup("model-interface");
    }
    remember_item_rect(state, panel_index == 0 ? "detect:interface0" : "detect:interface1");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Which output is the heatmap and which the box map, and how to read them:\n"
                          "check or correct what DeadZone guessed for this model.");
    if (ImGui::BeginPopup("model-interface")) {
        if (detect.editing_model >= 0 && detect.editing_model < static_cast<int>(detect.models.size()))
            draw_mapping_editor(state);
        ImGui::EndPopup();
    }
    ImGui::PopID();
}

} // namespace deadzone::explorer
