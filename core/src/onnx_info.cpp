#include "deadzone/onnx_info.h"

#include "protobuf_wire.h"

#include <algorithm>
#include <utility>

#include <cstdlib>
#include <sstream>

namespace deadzone {

namespace {

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
                        if (f == 1 && xwt == 0) info.elem_type = static_cast<OnnxElemType>(tensor.varint());
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

// StringStringEntryProto: key = 1, value = 2 (metadata_props, a tensor's external_data).
std::pair<std::string, std::string> read_string_entry(Wire entry, bool& bad) {
    std::string key, value;
    while (entry.more()) {
        int wt = 0;
        const std::uint32_t f = entry.tag(wt);
        if (f == 1 && wt == 2) key = entry.string();
        else if (f == 2 && wt == 2) value = entry.string();
        else entry.skip(wt);
    }
    bad = bad || entry.bad;
    return {std::move(key), std::move(value)};
}

// TensorProto: name = 8; external_data = 13 (StringStringEntryProto: key 1, value 2), of which the
// "location" entry names the file.
struct Initializer {
    std::string name, external_location;
};

Initializer read_initializer(Wire w, bool& bad) {
    Initializer init;
    while (w.more()) {
        int wt = 0;
        const std::uint32_t field = w.tag(wt);
        if (field == 8 && wt == 2) {
            init.name = w.string();
        } else if (field == 13 && wt == 2) {
            const auto [key, value] = read_string_entry(w.sub(), bad);
            if (key == "location") init.external_location = value;
        } else {
            w.skip(wt);
        }
    }
    bad = bad || w.bad;
    return init;
}

// NodeProto: output = 2 (repeated), op_type = 4. Records op_type for each output it writes.
void read_node(Wire w, std::map<std::string, std::string>& producer_op, bool& bad) {
    std::vector<std::string> outputs;
    std::string op_type;
    while (w.more()) {
        int wt = 0;
        const std::uint32_t field = w.tag(wt);
        if (field == 2 && wt == 2) outputs.push_back(w.string());
        else if (field == 4 && wt == 2) op_type = w.string();
        else w.skip(wt);
    }
    bad = bad || w.bad;
    for (const std::string& o : outputs) producer_op[o] = op_type;
}

} // namespace

Result<OnnxInfo> read_onnx_info(const std::uint8_t* bytes, std::size_t size) {
    if (bytes == nullptr || size == 0) return Error{"the file is empty"};
    Wire model{bytes, bytes + size};
    OnnxInfo info;
    bool have_graph = false, bad = false;
    std::vector<Initializer> initializers;
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
                if (g == 1 && gwt == 2) read_node(graph.sub(), info.producer_op, bad);
                else if (g == 5 && gwt == 2) initializers.push_back(read_initializer(graph.sub(), bad));
                else if (g == 11 && gwt == 2) inputs.push_back(read_value_info(graph.sub(), bad));
                else if (g == 12 && gwt == 2) info.outputs.push_back(read_value_info(graph.sub(), bad));
                else graph.skip(gwt);
            }
            bad = bad || graph.bad;
        } else if (field == 14 && wt == 2) { // metadata_props
            auto [key, value] = read_string_entry(model.sub(), bad);
            info.metadata[std::move(key)] = std::move(value);
        } else {
            model.skip(wt);
        }
    }
    if (model.bad || bad) return Error{"not an ONNX model (the protobuf data is corrupt or truncated)"};
    if (!have_graph) return Error{"not an ONNX model (no graph found)"};
    for (TensorInfo& t : inputs) {
        bool is_initializer = false;
        for (const Initializer& init : initializers) is_initializer = is_initializer || init.name == t.name;
        if (!is_initializer) info.inputs.push_back(std::move(t));
    }
    for (const Initializer& init : initializers)
        if (!init.external_location.empty() &&
            std::find(info.external_data.begin(), info.external_data.end(), init.external_location) == info.external_data.end())
            info.external_data.push_back(init.external_location);
    return info;
}

std::string dims_text(const std::vector<std::int64_t>& dims) {
    std::ostringstream s;
    s << "[";
    for (size_t i = 0; i < dims.size(); ++i) s << (i ? "," : "") << (dims[i] < 0 ? std::string("?") : std::to_string(dims[i]));
    s << "]";
    return s.str();
}

const TensorInfo* find_tensor(const std::vector<TensorInfo>& list, const std::string& name) {
    for (const TensorInfo& t : list)
        if (t.name == name) return &t;
    return nullptr;
}

} // namespace deadzone
