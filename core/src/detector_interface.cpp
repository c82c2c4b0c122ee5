#include "deadzone/detector_interface.h"

#include "deadzone/model_metadata.h"
#include "deadzone/text_list.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <initializer_list>

#include <nlohmann/json.hpp>

namespace deadzone {

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return s;
}

bool is_activation_op(const std::string& op) {
    for (const char* a : {"Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Softplus", "Clip", "Mul", "Exp", "Sigmoid", "Gelu",
                          "HardSwish", "HardSigmoid"})
        if (op == a) return true;
    return false;
}

std::string output_list(const OnnxInfo& info) {
    std::string names;
    for (const TensorInfo& t : info.outputs) names += (names.empty() ? "" : ", ") + t.name + dims_text(t.dims);
    return "{" + names + "}";
}

// 4-D outputs [1 or ?, C, h, w] with the same h and w as `like` (symbolic dims match anything).
bool same_map(const TensorInfo& a, const TensorInfo& b) {
    auto eq = [](std::int64_t x, std::int64_t y) { return x < 0 || y < 0 || x == y; };
    return a.dims.size() == 4 && b.dims.size() == 4 && eq(a.dims[2], b.dims[2]) && eq(a.dims[3], b.dims[3]);
}

bool name_says(const TensorInfo& t, std::initializer_list<const char*> words) {
    const std::string name = lower(t.name);
    for (const char* w : words)
        if (name.find(w) != std::string::npos) return true;
    return false;
}

// The outputs found by shape: heatmap, box map, and wh_pre (TTFNet) or offset (CenterNet), or null.
struct ShapeGuess {
    const TensorInfo *heatmap = nullptr, *wh = nullptr, *wh_pre = nullptr, *offset = nullptr;
};

// See the header: 4-channel maps are TTFNet's; with none, two 2-channel maps are CenterNet's.
Result<ShapeGuess> guess_by_shape(const OnnxInfo& info) {
    std::vector<const TensorInfo*> four, two, other;
    for (const TensorInfo& t : info.outputs) {
        if (t.dims.size() != 4) continue;
        (t.dims[1] == 4 ? four : t.dims[1] == 2 ? two : other).push_back(&t);
    }
    ShapeGuess g;
    // A 2-class CenterNet heatmap is a third 2-channel map: the one whose name says so.
    const auto named_heatmap = std::find_if(two.begin(), two.end(), [](const TensorInfo* t) {
        return name_says(*t, {"hm", "heat", "cls", "score"});
    });
    if (four.empty() && two.size() == 3 && other.empty() && named_heatmap != two.end()) {
        other.push_back(*named_heatmap);
        two.erase(named_heatmap);
    }
    // TTFNet: the heatmap is the one map of another depth (a 2-class one is the one 2-channel map).
    const TensorInfo* ttfnet_heatmap = other.size() == 1 ? other[0] : other.empty() && two.size() == 1 ? two[0] : nullptr;
    if (!four.empty() && four.size() <= 2 && ttfnet_heatmap != nullptr) {
        g.heatmap = ttfnet_heatmap;
        g.wh = four[0];
        if (four.size() == 2) {
            auto producer = [&](const TensorInfo* t) {
                const auto it = info.producer_op.find(t->name);
                return it == info.producer_op.end() ? std::string() : it->second;
            };
            const bool first_is_pre =
                name_says(*four[0], {"pre"}) || (!is_activation_op(producer(four[0])) && is_activation_op(producer(four[1])));
            g.wh = four[first_is_pre ? 1 : 0], g.wh_pre = four[first_is_pre ? 0 : 1];
        }
        return g;
    }
    if (four.empty() && two.size() == 2 && other.size() == 1) {
        g.heatmap = other[0];
        // The offset is the map named like one (off, reg), or the one not named like the size (wh,
        // size, dim); with no telling name, the second.
        const auto offset_like = [](const TensorInfo& t) {
            return name_says(t, {"off", "reg"}) ? 1 : name_says(t, {"wh", "size", "dim"}) ? -1 : 0;
        };
        const bool first_is_offset = offset_like(*two[0]) > offset_like(*two[1]);
        g.offset = two[first_is_offset ? 0 : 1], g.wh = two[first_is_offset ? 1 : 0];
        return g;
    }
    return Error{"cannot tell which output is the heatmap and which the box map: the outputs are " + output_list(info) +
                 "; expected a heatmap [1,C,h,w] and a box map [1,4,h,w] (named heatmap, wh and optionally wh_pre), "
                 "or CenterNet's heatmap, size [1,2,h,w] and offset [1,2,h,w]"};
}

// Picks heatmap / wh / wh_pre (or offset) by name, else by shape (see the header). Fills the names,
// the encoding and found_by.
Result<DetectorInterface> identify_outputs(const OnnxInfo& info, DetectorInterface d) {
    ShapeGuess g{find_tensor(info.outputs, "heatmap"), find_tensor(info.outputs, "wh"), find_tensor(info.outputs, "wh_pre"),
                 nullptr};
    if (g.heatmap != nullptr && g.wh != nullptr && g.wh->dims.size() == 4 && g.wh->dims[1] != 2) {
        d.found_by = "by name";
    } else {
        Result<ShapeGuess> guess = guess_by_shape(info);
        if (!guess) return Error{guess.error()};
        g = guess.value();
        d.found_by = "by shape: heatmap = " + g.heatmap->name + ", wh = " + g.wh->name +
                     (g.wh_pre ? ", wh_pre = " + g.wh_pre->name : "") +
                     (g.offset ? ", offset = " + g.offset->name + " (CenterNet)" : "");
    }
    const std::int64_t box_channels = g.offset != nullptr ? 2 : 4;
    for (const TensorInfo* t : {g.heatmap, g.wh, g.wh_pre, g.offset}) {
        if (t == nullptr) continue;
        const auto& dm = t->dims;
        const std::int64_t want = t == g.heatmap ? 0 : box_channels;
        const bool ok = dm.size() == 4 && (dm[0] == 1 || dm[0] == -1) && (want == 0 || dm[1] == want || dm[1] == -1) &&
                        same_map(*t, *g.heatmap);
        if (!ok)
            return Error{"output `" + t->name + "` is " + dims_text(dm) + "; expected [1," +
                         (want == 0 ? "C" : std::to_string(want)) + ",h,w]"};
        if (t->elem_type != OnnxElemType::Float && t->elem_type != OnnxElemType::Float16)
            return Error{"output `" + t->name + "` is neither float32 nor float16 (ONNX type " +
                         std::to_string(static_cast<int>(t->elem_type)) + ")"};
        if (t->elem_type != g.heatmap->elem_type)
            return Error{"outputs `" + g.heatmap->name + "` and `" + t->name + "` differ in type (float32 and float16 mixed)"};
    }
    d.heatmap_name = g.heatmap->name;
    d.wh_name = g.wh->name;
    d.wh_pre_name = g.wh_pre != nullptr ? g.wh_pre->name : "";
    d.offset_name = g.offset != nullptr ? g.offset->name : "";
    if (g.offset != nullptr) d.box_encoding = BoxEncoding::CenterNetSizeOffset, d.box_units = BoxUnits::StrideUnits;
    d.num_classes = g.heatmap->dims[1] > 0 ? static_cast<int>(g.heatmap->dims[1]) : 0;
    d.half_outputs = g.heatmap->elem_type == OnnxElemType::Float16;
    const auto op = info.producer_op.find(g.heatmap->name);
    if (op != info.producer_op.end() && op->second == "Sigmoid") d.heatmap_encoding = HeatmapEncoding::Probabilities;
    return d;
}

} // namespace

Result<DetectorInterface> find_detector_interface(const OnnxInfo& info) {
    if (info.inputs.size() != 1) {
        std::string names;
        for (const TensorInfo& t : info.inputs) names += (names.empty() ? "" : ", ") + t.name + dims_text(t.dims);
        return Error{"the model has " + std::to_string(info.inputs.size()) + " inputs {" + names +
                     "}; expected one image input [1,3,H,W]"};
    }
    const TensorInfo& in = info.inputs[0];
    if (in.dims.size() != 4 || (in.dims[0] != 1 && in.dims[0] != -1) || (in.dims[1] != 3 && in.dims[1] != -1))
        return Error{"the model's input `" + in.name + "` is " + dims_text(in.dims) + "; expected an image [1,3,H,W] (NCHW)"};
    if (in.elem_type != OnnxElemType::Float && in.elem_type != OnnxElemType::Float16)
        return Error{"the model's input `" + in.name + "` is neither float32 nor float16 (ONNX type " +
                     std::to_string(static_cast<int>(in.elem_type)) + ")"};

    DetectorInterface d;
    d.input_name = in.name;
    d.half_input = in.elem_type == OnnxElemType::Float16;
    auto meta = [&](MetadataKey key) {
        const auto it = info.metadata.find(metadata_key_name(key));
        return it == info.metadata.end() ? std::string() : it->second;
    };
    d.variant = meta(MetadataKey::Variant);
    d.activation = meta(MetadataKey::Activation);
    d.training_steps = meta(MetadataKey::TrainingSteps);
    d.external_data = info.external_data;
    if (in.dims[2] > 0 && in.dims[3] > 0) {
        d.input_height = static_cast<int>(in.dims[2]), d.input_width = static_cast<int>(in.dims[3]);
    } else if (!meta(MetadataKey::InputSize).empty()) { // symbolic in the graph, fixed by the trainer's metadata
        const Result<std::int64_t> size = read_metadata_integer(info.metadata, MetadataKey::InputSize, 32, 4096);
        if (!size) return Error{"the model's input is " + dims_text(in.dims) + " and its " + size.error()};
        d.input_width = d.input_height = static_cast<int>(size.value());
    }
    if ((d.fixed_input() && (d.input_width < 32 || d.input_height < 32 || d.input_width > 4096 || d.input_height > 4096)))
        return Error{"the model's input size " + std::to_string(d.input_width) + "x" + std::to_string(d.input_height) +
                     " is unusable"};

    Result<DetectorInterface> found = identify_outputs(info, std::move(d));
    if (!found) return found;
    d = std::move(found).value();
    const TensorInfo& heatmap = *find_tensor(info.outputs, d.heatmap_name);
    if (!meta(MetadataKey::Stride).empty()) {
        const Result<std::int64_t> stride = read_metadata_integer(info.metadata, MetadataKey::Stride, 1, 64);
        if (!stride) return Error{"the model's " + stride.error()};
        d.stride = static_cast<int>(stride.value());
    } else if (d.fixed_input() && heatmap.dims[2] > 0 && heatmap.dims[3] > 0) {
        d.stride = static_cast<int>(d.input_height / heatmap.dims[2]);
    }
    if (d.fixed_input()) {
        const bool divides = d.stride > 0 && d.input_width % d.stride == 0 && d.input_height % d.stride == 0;
        const std::int64_t h = d.stride > 0 ? d.input_height / d.stride : 0, w = d.stride > 0 ? d.input_width / d.stride : 0;
        if (!divides || (heatmap.dims[2] > 0 && heatmap.dims[2] != h) || (heatmap.dims[3] > 0 && heatmap.dims[3] != w))
            return Error{"output `" + heatmap.name + "` is " + dims_text(heatmap.dims) + ", which is not the input " +
                         std::to_string(d.input_width) + "x" + std::to_string(d.input_height) + " at stride " +
                         std::to_string(d.stride)};
    }
    d.class_names = split_comma_list(meta(MetadataKey::ClassNames));
    if (d.num_classes == 0) d.num_classes = static_cast<int>(d.class_names.size());
    if (lower(meta(MetadataKey::HeatmapEncoding)) == "probabilities") d.heatmap_encoding = HeatmapEncoding::Probabilities;
    Result<Normalization> norm = read_normalization(info.metadata);
    if (!norm) return Error{"the model's " + norm.error()};
    d.norm = norm.value();
    return d;
}

InputSize pick_input_size(const DetectorInterface& model, int image_width, int image_height, int max_side) {
    if (model.fixed_input()) return {model.input_width, model.input_height};
    const int longer = std::max(1, std::max(image_width, image_height)),
              shorter = std::max(1, std::min(image_width, image_height));
    auto round32 = [](double v) { return std::max(32, static_cast<int>(std::lround(v / 32.0)) * 32); };
    const int side = std::clamp(round32(longer), 64, std::max(64, max_side / 32 * 32));
    const int other = std::min(side, round32(static_cast<double>(shorter) * side / longer));
    return image_width >= image_height ? InputSize{side, other} : InputSize{other, side};
}

InterfaceMapping mapping_of(const DetectorInterface& d) {
    InterfaceMapping m;
    m.heatmap = d.heatmap_name, m.wh = d.wh_name, m.wh_pre = d.wh_pre_name, m.offset = d.offset_name;
    m.heatmap_encoding = d.heatmap_encoding;
    m.box_encoding = d.box_encoding;
    m.box_units = d.box_units;
    m.channel_order = d.norm.order;
    m.stride = d.stride;
    const Normalization unit = normalization_for(InputScaling::ZeroToOne), byte = normalization_for(InputScaling::ZeroTo255);
    auto same = [](const Normalization& a, const Normalization& b) {
        return std::equal(a.mean, a.mean + 3, b.mean) && std::equal(a.std, a.std + 3, b.std);
    };
    m.scaling = same(d.norm, unit)   ? InputScaling::ZeroToOne
                : same(d.norm, byte) ? InputScaling::ZeroTo255
                                     : InputScaling::ImageNet;
    return m;
}

Normalization normalization_for(InputScaling scaling) {
    Normalization n; // ImageNet
    if (scaling == InputScaling::ImageNet) return n;
    const float std = scaling == InputScaling::ZeroToOne ? 1.0f : 1.0f / 255.0f;
    for (int c = 0; c < 3; ++c) n.mean[c] = 0.0f, n.std[c] = std;
    return n;
}

Result<DetectorInterface> apply_mapping(DetectorInterface d, const OnnxInfo& info, const InterfaceMapping& m) {
    const TensorInfo* heatmap = find_tensor(info.outputs, m.heatmap);
    if (heatmap == nullptr || heatmap->dims.size() != 4)
        return Error{"heatmap: the model has no 4-D output called '" + m.heatmap + "'"};
    const bool centernet = m.box_encoding == BoxEncoding::CenterNetSizeOffset;
    if (centernet && !m.wh_pre.empty())
        return Error{"a pre-activation box map goes with TTFNet's ltrb distances, not with CenterNet's size and offset"};
    if (centernet && m.offset.empty()) return Error{"choose the output that holds CenterNet's centre offset"};
    if (centernet && m.offset == m.wh)
        return Error{"CenterNet's size and offset must be two different outputs ('" + m.wh + "' twice)"};
    const std::int64_t channels = centernet ? 2 : 4;
    for (const std::string* name : {&m.wh, &m.wh_pre, &m.offset}) {
        if (name == &m.wh_pre && name->empty()) continue;
        if (name == &m.offset && !centernet) continue;
        const TensorInfo* t = find_tensor(info.outputs, *name);
        if (t == nullptr) return Error{"the model has no output called '" + *name + "'"};
        if (t->dims.size() != 4 || (t->dims[1] != channels && t->dims[1] != -1) || !same_map(*t, *heatmap))
            return Error{"output '" + *name + "' is " + dims_text(t->dims) + ": " +
                         (centernet ? "CenterNet's size and offset must each be [1,2,h,w]" : "a box map must be [1,4,h,w]") +
                         " like the heatmap"};
    }
    if (m.stride < 1 || m.stride > 64) return Error{"stride " + std::to_string(m.stride) + " is outside 1..64"};
    if (d.fixed_input() && (d.input_width % m.stride != 0 || d.input_height % m.stride != 0 ||
                            (heatmap->dims[2] > 0 && heatmap->dims[2] * m.stride != d.input_height)))
        return Error{"stride " + std::to_string(m.stride) + " does not fit the input " + std::to_string(d.input_width) + "x" +
                     std::to_string(d.input_height) + " and the heatmap " + dims_text(heatmap->dims)};
    d.heatmap_name = m.heatmap, d.wh_name = m.wh, d.wh_pre_name = m.wh_pre;
    d.offset_name = centernet ? m.offset : "";
    d.heatmap_encoding = m.heatmap_encoding;
    d.box_encoding = m.box_encoding;
    d.box_units = m.box_units;
    d.stride = m.stride;
    d.norm = normalization_for(m.scaling);
    d.norm.order = m.channel_order;
    d.num_classes = heatmap->dims[1] > 0 ? static_cast<int>(heatmap->dims[1]) : d.num_classes;
    d.found_by = "by the user";
    return d;
}

std::string mapping_to_json(const InterfaceMapping& m) {
    const char* scaling = m.scaling == InputScaling::ImageNet    ? "imagenet"
                          : m.scaling == InputScaling::ZeroToOne ? "0-1"
                                                                 : "0-255";
    return nlohmann::json{{"heatmap", m.heatmap},
                          {"wh", m.wh},
                          {"wh_pre", m.wh_pre},
                          {"offset", m.offset},
                          {"heatmap_encoding", m.heatmap_encoding == HeatmapEncoding::Logits ? "logits" : "probabilities"},
                          {"box_encoding", m.box_encoding == BoxEncoding::TtfnetLtrb ? "ltrb" : "centernet"},
                          {"box_units", m.box_units == BoxUnits::InputPixels ? "input_px" : "stride"},
                          {"stride", m.stride},
                          {"scaling", scaling},
                          {"channel_order", m.channel_order == ChannelOrder::Rgb ? "rgb" : "bgr"}}
        .dump();
}

Result<InterfaceMapping> mapping_from_json(const std::string& text) {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return Error{"an interface mapping must be a JSON object"};
    InterfaceMapping m;
    for (auto [key, field] : {std::pair{"heatmap", &m.heatmap}, std::pair{"wh", &m.wh}, std::pair{"wh_pre", &m.wh_pre}}) {
        if (!j.contains(key) || !j[key].is_string()) return Error{std::string("mapping: '") + key + "' must be a string"};
        *field = j[key].get<std::string>();
    }
    // Fields added later default to what a mapping without them meant.
    auto optional_string = [&j](const char* key, const char* fallback) -> Result<std::string> {
        if (!j.contains(key)) return std::string(fallback);
        if (!j[key].is_string()) return Error{std::string("mapping: '") + key + "' must be a string"};
        return j[key].get<std::string>();
    };
    Result<std::string> offset = optional_string("offset", ""), box = optional_string("box_encoding", "ltrb"),
                        order = optional_string("channel_order", "rgb");
    for (const Result<std::string>* r : {&offset, &box, &order})
        if (!*r) return Error{r->error()};
    const std::string encoding = j.value("heatmap_encoding", ""), units = j.value("box_units", ""),
                      scaling = j.value("scaling", "");
    if (encoding != "logits" && encoding != "probabilities")
        return Error{"mapping: heatmap_encoding must be logits or probabilities"};
    if (box.value() != "ltrb" && box.value() != "centernet") return Error{"mapping: box_encoding must be ltrb or centernet"};
    if (units != "input_px" && units != "stride") return Error{"mapping: box_units must be input_px or stride"};
    if (scaling != "imagenet" && scaling != "0-1" && scaling != "0-255")
        return Error{"mapping: scaling must be imagenet, 0-1 or 0-255"};
    if (order.value() != "rgb" && order.value() != "bgr") return Error{"mapping: channel_order must be rgb or bgr"};
    if (!j.contains("stride") || !j["stride"].is_number_integer()) return Error{"mapping: stride must be an integer"};
    m.offset = offset.value();
    m.heatmap_encoding = encoding == "logits" ? HeatmapEncoding::Logits : HeatmapEncoding::Probabilities;
    m.box_encoding = box.value() == "ltrb" ? BoxEncoding::TtfnetLtrb : BoxEncoding::CenterNetSizeOffset;
    m.box_units = units == "input_px" ? BoxUnits::InputPixels : BoxUnits::StrideUnits;
    m.scaling = scaling == "imagenet" ? InputScaling::ImageNet
                : scaling == "0-1"    ? InputScaling::ZeroToOne
                                      : InputScaling::ZeroTo255;
    m.channel_order = order.value() == "rgb" ? ChannelOrder::Rgb : ChannelOrder::Bgr;
    m.stride = j["stride"].get<int>();
    return m;
}

} // namespace deadzone
