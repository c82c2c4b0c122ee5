#include "onnx_info.h"

#include <cstdlib>
#include <sstream>

namespace deadzone::explorer {

namespace {

// A cursor over protobuf wire format. Every read is bounds-checked; a failure sets `bad` and all
// later reads return nothing, so callers check once at the end.
struct Wire {
    const std::uint8_t* p;
    const std::uint8_t* end;
    bool bad = false;

    bool more() const { return !bad && p < end; }

    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p >= end) break;
            const std::uint8_t b = *p++;
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
        bad = true;
        return 0;
    }

    // Reads one field's tag; `wire_type` gets the low three bits.
    std::uint32_t tag(int& wire_type) {
        const std::uint64_t t = varint();
        wire_type = static_cast<int>(t & 7);
        return static_cast<std::uint32_t>(t >> 3);
    }

    Wire sub() { // a length-delimited field as its own cursor
        const std::uint64_t n = varint();
        if (bad || n > static_cast<std::uint64_t>(end - p)) {
            bad = true;
            return {end, end, true};
        }
        Wire w{p, p + n};
        p += n;
        return w;
    }

    std::string string() {
        Wire w = sub();
        return w.bad ? std::string() : std::string(reinterpret_cast<const char*>(w.p), w.end - w.p);
    }

    void skip(int wire_type) {
        switch (wire_type) {
        case 0: varint(); break;
        case 1: if (end - p < 8) bad = true; else p += 8; break;
        case 2: sub(); break;
        case 5: if (end - p < 4) bad = true; else p += 4; break;
        default: bad = true; // groups (3, 4) are not used by ONNX
        }
    }
};

void read_dims(Wire shape, std::vector<std::int64_t>& dims) { // TensorShapeProto
    while (shape.more()) {
        int wt = 0;
        if (shape.tag(wt) == 1 && wt == 2) {
            Wire dim = shape.sub(); // Dimension: dim_value = 1, dim_param = 2
            std::int64_t value = -1;
            while (dim.more()) {
                int dwt = 0;
                if (dim.tag(dwt) == 1 && dwt == 0) value = static_cast<std::int64_t>(dim.varint());
                else dim.skip(dwt);
            }
            dims.push_back(value);
        } else {
            shape.skip(wt);
        }
    }
}

TensorInfo read_value_info(Wire w, bool& bad) { // ValueInfoProto
    TensorInfo info;
    while (w.more()) {
        int wt = 0;
        const std::uint32_t field = w.tag(wt);
        if (field == 1 && wt == 2) {
            info.name = w.string();
        } else if (field == 2 && wt == 2) {
            Wire type = w.sub(); // TypeProto: tensor_type = 1
            while (type.more()) {
                int twt = 0;
                if (type.tag(twt) == 1 && twt == 2) {
                    Wire tensor = type.sub(); // Tensor: elem_type = 1, shape = 2
                    while (tensor.more()) {
                        int xwt = 0;
                        const std::uint32_t f = tensor.tag(xwt);
                        if (f == 1 && xwt == 0) info.elem_type = static_cast<int>(tensor.varint());
                        else if (f == 2 && xwt == 2) read_dims(tensor.sub(), info.dims);
                        else tensor.skip(xwt);
                    }
                    bad = bad || tensor.bad;
                } else {
                    type.skip(twt);
                }
            }
            bad = bad || type.bad;
        } else {
            w.skip(wt);
        }
    }
    bad = bad || w.bad;
    return info;
}

std::string initializer_name(Wire w) { // TensorProto: name = 8
    while (w.more()) {
        int wt = 0;
        if (w.tag(wt) == 8 && wt == 2) return w.string();
        w.skip(wt);
    }
    return {};
}

std::string dims_text(const std::vector<std::int64_t>& dims) {
    std::ostringstream s;
    s << "[";
    for (size_t i = 0; i < dims.size(); ++i) s << (i ? "," : "") << (dims[i] < 0 ? std::string("?") : std::to_string(dims[i]));
    s << "]";
    return s.str();
}

const TensorInfo* find(const std::vector<TensorInfo>& list, const std::string& name) {
    for (const TensorInfo& t : list)
        if (t.name == name) return &t;
    return nullptr;
}

// "0.485,0.456,0.406" -> three floats; false unless exactly three positive-or-any numbers parse.
bool parse_triple(const std::string& text, float out[3]) {
    const char* s = text.c_str();
    for (int i = 0; i < 3; ++i) {
        char* next = nullptr;
        out[i] = std::strtof(s, &next);
        if (next == s) return false;
        s = next;
        while (*s == ',' || *s == ' ') ++s;
    }
    return *s == '\0';
}

} // namespace

Result<OnnxInfo> read_onnx_info(const std::uint8_t* bytes, std::size_t size) {
    if (bytes == nullptr || size == 0) return Error{"the file is empty"};
    Wire model{bytes, bytes + size};
    OnnxInfo info;
    bool have_graph = false, bad = false;
    std::vector<std::string> initializers;
    std::vector<TensorInfo> inputs;
    while (model.more()) {
        int wt = 0;
        const std::uint32_t field = model.tag(wt);
        if (field == 7 && wt == 2) { // graph
            have_graph = true;
            Wire graph = model.sub();
            while (graph.more()) {
                int gwt = 0;
                const std::uint32_t g = graph.tag(gwt);
                if (g == 5 && gwt == 2) initializers.push_back(initializer_name(graph.sub()));
                else if (g == 11 && gwt == 2) inputs.push_back(read_value_info(graph.sub(), bad));
                else if (g == 12 && gwt == 2) info.outputs.push_back(read_value_info(graph.sub(), bad));
                else graph.skip(gwt);
            }
            bad = bad || graph.bad;
        } else if (field == 14 && wt == 2) { // metadata_props
            Wire entry = model.sub();
            std::string key, value;
            while (entry.more()) {
                int ewt = 0;
                const std::uint32_t f = entry.tag(ewt);
                if (f == 1 && ewt == 2) key = entry.string();
                else if (f == 2 && ewt == 2) value = entry.string();
                else entry.skip(ewt);
            }
            bad = bad || entry.bad;
            info.metadata[key] = value;
        } else {
            model.skip(wt);
        }
    }
    if (model.bad || bad) return Error{"not an ONNX model (the protobuf data is corrupt or truncated)"};
    if (!have_graph) return Error{"not an ONNX model (no graph found)"};
    for (TensorInfo& t : inputs) {
        bool is_initializer = false;
        for (const std::string& n : initializers) is_initializer = is_initializer || n == t.name;
        if (!is_initializer) info.inputs.push_back(std::move(t));
    }
    return info;
}

Result<ModelSpec> check_deadzone_interface(const OnnxInfo& info) {
    const std::string expected = "expected input image[1,3,S,S] and outputs heatmap, wh, wh_pre";
    if (info.inputs.size() != 1 || info.inputs[0].name != "image") {
        std::string names;
        for (const TensorInfo& t : info.inputs) names += (names.empty() ? "" : ", ") + t.name + dims_text(t.dims);
        return Error{"the model's inputs are {" + names + "}; " + expected};
    }
    const TensorInfo& in = info.inputs[0];
    if (in.elem_type != 1) return Error{"the model's input `image` is not float32"};
    if (in.dims.size() != 4 || (in.dims[1] != 3 && in.dims[1] != -1))
        return Error{"the model's input `image` is " + dims_text(in.dims) + "; " + expected};

    ModelSpec spec;
    auto meta = [&](const char* key) {
        auto it = info.metadata.find(key);
        return it == info.metadata.end() ? std::string() : it->second;
    };
    spec.variant = meta("variant");
    spec.activation = meta("activation");
    spec.training_steps = meta("training_steps");
    if (!meta("stride").empty()) spec.stride = std::atoi(meta("stride").c_str());
    if (spec.stride <= 0 || spec.stride > 64) return Error{"the model's `stride` metadata is not a usable number"};

    // The input size: the graph's fixed dims win; otherwise the metadata must say.
    if (in.dims[2] > 0 && in.dims[3] > 0) {
        if (in.dims[2] != in.dims[3]) return Error{"the model's input is not square: " + dims_text(in.dims)};
        spec.input_size = static_cast<int>(in.dims[2]);
    } else {
        spec.input_size = std::atoi(meta("input_size").c_str());
    }
    if (spec.input_size < 32 || spec.input_size > 2048 || spec.input_size % spec.stride != 0)
        return Error{"the model's input size (" + std::to_string(spec.input_size) + ") is unusable"};

    const TensorInfo* heatmap = find(info.outputs, "heatmap");
    const TensorInfo* wh = find(info.outputs, "wh");
    const TensorInfo* wh_pre = find(info.outputs, "wh_pre");
    if (heatmap == nullptr || wh == nullptr || wh_pre == nullptr) {
        std::string names;
        for (const TensorInfo& t : info.outputs) names += (names.empty() ? "" : ", ") + t.name;
        return Error{"the model's outputs are {" + names + "}; " + expected};
    }
    const std::int64_t f = spec.input_size / spec.stride;
    for (const TensorInfo* t : {heatmap, wh, wh_pre}) {
        const auto& d = t->dims;
        const bool shape_ok = d.size() == 4 && (d[0] == 1 || d[0] == -1) && (d[2] == f || d[2] == -1) &&
                              (d[3] == f || d[3] == -1) && (t == heatmap || d[1] == 4 || d[1] == -1);
        if (!shape_ok || t->elem_type != 1)
            return Error{"output `" + t->name + "` is " + dims_text(d) + (t->elem_type != 1 ? " (not float32)" : "") +
                         "; expected [1," + (t == heatmap ? std::string("C") : std::string("4")) + "," +
                         std::to_string(f) + "," + std::to_string(f) + "]"};
    }
    const std::string names = meta("class_names");
    for (size_t start = 0; !names.empty() && start <= names.size();) {
        const size_t comma = names.find(',', start);
        spec.class_names.push_back(names.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    spec.num_classes = heatmap->dims[1] > 0 ? static_cast<int>(heatmap->dims[1]) : static_cast<int>(spec.class_names.size());
    if (!meta("mean").empty() && !parse_triple(meta("mean"), spec.norm.mean))
        return Error{"the model's `mean` metadata is not three numbers: '" + meta("mean") + "'"};
    if (!meta("std").empty() && (!parse_triple(meta("std"), spec.norm.std) || spec.norm.std[0] <= 0 ||
                                 spec.norm.std[1] <= 0 || spec.norm.std[2] <= 0))
        return Error{"the model's `std` metadata is not three positive numbers: '" + meta("std") + "'"};
    return spec;
}

} // namespace deadzone::explorer
