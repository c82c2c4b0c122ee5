#include "deadzone/onnx_graph.h"

#include "deadzone/float16.h"
#include "protobuf_wire.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <utility>

namespace deadzone {

namespace {

// A repeated scalar field arrives packed (wire type 2) or one value per tag; `one` reads a value.
template <typename ReadOne>
void read_repeated(Wire& w, int wire_type, int scalar_wire_type, ReadOne one) {
    if (wire_type == 2) {
        Wire packed = w.sub();
        while (packed.more()) one(packed);
        w.bad = w.bad || packed.bad;
    } else if (wire_type == scalar_wire_type) {
        one(w);
    } else {
        w.skip(wire_type);
    }
}

double read_double(Wire& w) {
    double d = 0.0;
    if (w.end - w.p < 8) {
        w.bad = true;
        return d;
    }
    std::memcpy(&d, w.p, 8);
    w.p += 8;
    return d;
}

// TensorProto: dims = 1, data_type = 2, float_data = 4, int32_data = 5 (float16 bit patterns),
// name = 8, raw_data = 9, double_data = 10, external_data = 13.
struct ParsedTensor {
    std::string name;
    OnnxWeights weights;
};

ParsedTensor read_tensor(Wire w, bool& bad) {
    ParsedTensor t;
    OnnxElemType data_type = OnnxElemType::Undefined;
    bool external = false;
    Wire raw{nullptr, nullptr}; // raw_data, read in place
    std::vector<float> floats;
    std::vector<std::int64_t> int32s;
    std::vector<double> doubles;
    while (w.more()) {
        int wt = 0;
        const std::uint32_t field = w.tag(wt);
        switch (field) {
        case 1: read_repeated(w, wt, 0, [&](Wire& x) { t.weights.dims.push_back(static_cast<std::int64_t>(x.varint())); }); break;
        case 2:
            if (wt == 0) data_type = static_cast<OnnxElemType>(w.varint());
            else w.skip(wt);
            break;
        case 4: read_repeated(w, wt, 5, [&](Wire& x) { floats.push_back(x.float32()); }); break;
        case 5: read_repeated(w, wt, 0, [&](Wire& x) { int32s.push_back(static_cast<std::int64_t>(x.varint())); }); break;
        case 8:
            if (wt == 2) t.name = w.string();
            else w.skip(wt);
            break;
        case 9:
            if (wt == 2) raw = w.sub();
            else w.skip(wt);
            break;
        case 10: read_repeated(w, wt, 1, [&](Wire& x) { doubles.push_back(read_double(x)); }); break;
        case 13:
            external = true;
            w.skip(wt);
            break;
        default: w.skip(wt);
        }
    }
    bad = bad || w.bad;
    if (external) return t;
    std::vector<float>& out = t.weights.values;
    const std::size_t raw_size = raw.p == nullptr ? 0 : static_cast<std::size_t>(raw.end - raw.p);
    // raw_data holds whole little-endian elements: a length that is not a multiple of the element
    // size is a damaged file, not a tensor to truncate.
    const std::size_t element = data_type == OnnxElemType::Float     ? 4
                                : data_type == OnnxElemType::Float16 ? 2
                                : data_type == OnnxElemType::Double  ? 8
                                                                     : 1;
    if (raw_size % element != 0) {
        bad = true;
        return t;
    }
    if (data_type == OnnxElemType::Float) {
        if (raw_size > 0) {
            out.resize(raw_size / 4);
            std::memcpy(out.data(), raw.p, out.size() * 4);
        } else {
            out = std::move(floats);
        }
    } else if (data_type == OnnxElemType::Float16) {
        if (raw_size > 0) {
            std::vector<std::uint16_t> halves(raw_size / 2);
            std::memcpy(halves.data(), raw.p, halves.size() * 2);
            out.resize(halves.size());
            halves_to_floats(halves.data(), halves.size(), out.data());
        } else {
            for (std::int64_t bits : int32s) out.push_back(half_to_float(static_cast<std::uint16_t>(bits)));
        }
    } else if (data_type == OnnxElemType::Double) {
        if (raw_size > 0) {
            out.resize(raw_size / 8);
            for (std::size_t i = 0; i < out.size(); ++i) {
                double d = 0.0;
                std::memcpy(&d, raw.p + 8 * i, 8);
                out[i] = static_cast<float>(d);
            }
        } else {
            for (double d : doubles) out.push_back(static_cast<float>(d));
        }
    }
    return t;
}

// AttributeProto: name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, type = 20. The kind
// comes from `type` when present: a proto3 writer leaves a value of 0 out (Clip's min = 0 has no f).
OnnxAttribute read_attribute(Wire w, bool& bad, ParsedTensor* tensor_value) {
    OnnxAttribute a;
    int type = 0;
    while (w.more()) {
        int wt = 0;
        const std::uint32_t field = w.tag(wt);
        if (field == 1 && wt == 2) {
            a.name = w.string();
        } else if (field == 2 && wt == 5) {
            a.f = w.float32();
            a.kind = OnnxAttribute::Kind::Float;
        } else if (field == 3 && wt == 0) {
            a.i = static_cast<std::int64_t>(w.varint());
            a.kind = OnnxAttribute::Kind::Int;
        } else if (field == 4 && wt == 2) {
            a.s = w.string();
            a.kind = OnnxAttribute::Kind::String;
        } else if (field == 5 && wt == 2 && tensor_value != nullptr) {
            *tensor_value = read_tensor(w.sub(), bad);
        } else if (field == 7) {
            read_repeated(w, wt, 5, [&](Wire& x) { a.floats.push_back(x.float32()); });
            a.kind = OnnxAttribute::Kind::Floats;
        } else if (field == 8) {
            read_repeated(w, wt, 0, [&](Wire& x) { a.ints.push_back(static_cast<std::int64_t>(x.varint())); });
            a.kind = OnnxAttribute::Kind::Ints;
        } else if (field == 20 && wt == 0) {
            type = static_cast<int>(w.varint());
        } else {
            w.skip(wt);
        }
    }
    bad = bad || w.bad;
    // AttributeType: FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7.
    switch (type) {
    case 1: a.kind = OnnxAttribute::Kind::Float; break;
    case 2: a.kind = OnnxAttribute::Kind::Int; break;
    case 3: a.kind = OnnxAttribute::Kind::String; break;
    case 6: a.kind = OnnxAttribute::Kind::Floats; break;
    case 7: a.kind = OnnxAttribute::Kind::Ints; break;
    default: break;
    }
    return a;
}

// NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7. A Constant
// node's tensor value is returned in `constant`.
OnnxNode read_node(Wire w, bool& bad, ParsedTensor& constant) {
    OnnxNode n;
    while (w.more()) {
        int wt = 0;
        const std::uint32_t field = w.tag(wt);
        if (field == 1 && wt == 2) n.inputs.push_back(w.string());
        else if (field == 2 && wt == 2) n.outputs.push_back(w.string());
        else if (field == 3 && wt == 2) n.name = w.string();
        else if (field == 4 && wt == 2) n.op_type = w.string();
        else if (field == 5 && wt == 2) n.attributes.push_back(read_attribute(w.sub(), bad, &constant));
        else if (field == 7 && wt == 2) n.domain = w.string();
        else w.skip(wt);
    }
    bad = bad || w.bad;
    return n;
}

// OperatorSetIdProto: domain = 1, version = 2.
std::pair<std::string, std::int64_t> read_opset(Wire w, bool& bad) {
    std::string domain;
    std::int64_t version = 0;
    while (w.more()) {
        int wt = 0;
        const std::uint32_t field = w.tag(wt);
        if (field == 1 && wt == 2) domain = w.string();
        else if (field == 2 && wt == 0) version = static_cast<std::int64_t>(w.varint());
        else w.skip(wt);
    }
    bad = bad || w.bad;
    return {domain, version};
}

void put_varint(std::vector<std::uint8_t>& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<std::uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(v));
}

void put_bytes_field(std::vector<std::uint8_t>& out, std::uint32_t field, const std::uint8_t* data, std::size_t n) {
    put_varint(out, (static_cast<std::uint64_t>(field) << 3) | 2);
    put_varint(out, n);
    out.insert(out.end(), data, data + n);
}

// Calls visit(message) for every length-delimited field `field` of the model's graph (GraphProto:
// node = 1, initializer = 5, ...), in order.
template <typename Visit>
void for_each_graph_message(const std::uint8_t* bytes, std::size_t size, std::uint32_t field, Visit visit) {
    Wire model{bytes, bytes + size};
    while (model.more()) {
        int wt = 0;
        if (model.tag(wt) != 7 || wt != 2) {
            model.skip(wt);
            continue;
        }
        Wire g = model.sub();
        while (g.more()) {
            int gwt = 0;
            if (g.tag(gwt) == field && gwt == 2) visit(g.sub());
            else g.skip(gwt);
        }
    }
}

// The attributes a standard Conv node lacks, as AttributeProto fields (NodeProto.attribute = 5) to
// append to it; empty when it lacks none (or is not a Conv, or its weight's rank is unknown).
std::vector<std::uint8_t> missing_conv_attributes(Wire node,
                                                  const std::map<std::string, std::vector<std::int64_t>>& weight_dims) {
    std::string op_type, domain, weight;
    bool has[4] = {}; // kernel_shape, strides, dilations, pads
    bool auto_pad = false;
    int input_index = 0;
    static const char* const kNames[4] = {"kernel_shape", "strides", "dilations", "pads"};
    while (node.more()) {
        int wt = 0;
        const std::uint32_t field = node.tag(wt);
        if (field == 1 && wt == 2) {
            std::string input = node.string();
            if (input_index++ == 1) weight = std::move(input);
        } else if (field == 4 && wt == 2) {
            op_type = node.string();
        } else if (field == 7 && wt == 2) {
            domain = node.string();
        } else if (field == 5 && wt == 2) {
            bool bad = false;
            const OnnxAttribute a = read_attribute(node.sub(), bad, nullptr);
            for (int i = 0; i < 4; ++i) has[i] = has[i] || a.name == kNames[i];
            if (a.name == "auto_pad" && !a.s.empty() && a.s != "NOTSET") auto_pad = true;
        } else {
            node.skip(wt);
        }
    }
    std::vector<std::uint8_t> extra;
    const auto dims = weight_dims.find(weight);
    if (op_type != "Conv" || !(domain.empty() || domain == "ai.onnx") || dims == weight_dims.end() || dims->second.size() < 3)
        return extra;
    const std::size_t spatial = dims->second.size() - 2;
    auto add_ints = [&](const char* name, const std::vector<std::int64_t>& values) {
        std::vector<std::uint8_t> a;
        put_bytes_field(a, 1, reinterpret_cast<const std::uint8_t*>(name), std::strlen(name));
        for (std::int64_t v : values) {
            put_varint(a, (8u << 3) | 0); // ints = 8
            put_varint(a, static_cast<std::uint64_t>(v));
        }
        put_varint(a, (20u << 3) | 0); // type = 20: INTS (7)
        put_varint(a, 7);
        put_bytes_field(extra, 5, a.data(), a.size());
    };
    if (!has[0]) add_ints(kNames[0], std::vector<std::int64_t>(dims->second.begin() + 2, dims->second.end()));
    if (!has[1]) add_ints(kNames[1], std::vector<std::int64_t>(spatial, 1));
    if (!has[2]) add_ints(kNames[2], std::vector<std::int64_t>(spatial, 1));
    if (!has[3] && !auto_pad) add_ints(kNames[3], std::vector<std::int64_t>(2 * spatial, 0));
    return extra;
}

} // namespace

const OnnxAttribute* OnnxNode::attribute(const std::string& attribute_name) const {
    for (const OnnxAttribute& a : attributes)
        if (a.name == attribute_name) return &a;
    return nullptr;
}

float OnnxNode::float_attribute(const std::string& attribute_name, float fallback) const {
    const OnnxAttribute* a = attribute(attribute_name);
    return a != nullptr && a->kind == OnnxAttribute::Kind::Float ? a->f : fallback;
}

std::string OnnxNode::display_name() const {
    if (!name.empty()) return name;
    return op_type + " -> " + (outputs.empty() ? std::string("?") : outputs.front());
}

const OnnxWeights* OnnxGraph::find_weights(const std::string& tensor) const {
    const auto it = weights.find(tensor);
    return it == weights.end() ? nullptr : &it->second;
}

std::vector<std::size_t> OnnxGraph::consumers(const std::string& tensor) const {
    std::vector<std::size_t> found;
    for (std::size_t i = 0; i < nodes.size(); ++i)
        if (std::find(nodes[i].inputs.begin(), nodes[i].inputs.end(), tensor) != nodes[i].inputs.end()) found.push_back(i);
    return found;
}

std::ptrdiff_t OnnxGraph::producer(const std::string& tensor) const {
    for (std::size_t i = 0; i < nodes.size(); ++i)
        if (std::find(nodes[i].outputs.begin(), nodes[i].outputs.end(), tensor) != nodes[i].outputs.end())
            return static_cast<std::ptrdiff_t>(i);
    return -1;
}

Result<OnnxGraph> read_onnx_graph(const std::uint8_t* bytes, std::size_t size) {
    Result<OnnxInfo> info = read_onnx_info(bytes, size);
    if (!info) return Error{info.error()};
    OnnxGraph graph;
    graph.info = std::move(info).value();
    bool bad = false;
    Wire model{bytes, bytes + size};
    while (model.more()) {
        int wt = 0;
        const std::uint32_t field = model.tag(wt);
        if (field == 8 && wt == 2) { // opset_import
            const auto [domain, version] = read_opset(model.sub(), bad);
            if (domain.empty() || domain == "ai.onnx") graph.opset = version;
        } else if (field == 7 && wt == 2) { // graph: node = 1, initializer = 5
            Wire g = model.sub();
            while (g.more()) {
                int gwt = 0;
                const std::uint32_t gf = g.tag(gwt);
                if (gf == 1 && gwt == 2) {
                    ParsedTensor constant;
                    OnnxNode node = read_node(g.sub(), bad, constant);
                    if (node.op_type == "Constant" && node.outputs.size() == 1 && !constant.weights.values.empty())
                        graph.weights[node.outputs[0]] = std::move(constant.weights);
                    graph.nodes.push_back(std::move(node));
                } else if (gf == 5 && gwt == 2) {
                    ParsedTensor t = read_tensor(g.sub(), bad);
                    graph.weights[t.name] = std::move(t.weights);
                } else {
                    g.skip(gwt);
                }
            }
            bad = bad || g.bad;
        } else {
            model.skip(wt);
        }
    }
    if (bad || model.bad) return Error{"not an ONNX model (the protobuf data is corrupt or truncated)"};
    return graph;
}

Result<std::vector<std::uint8_t>> add_graph_outputs(const std::uint8_t* bytes, std::size_t size,
                                                    const std::vector<std::string>& tensors) {
    // Names and producers only (read_onnx_info): parsing the weights would hold a large model twice.
    Result<OnnxInfo> info = read_onnx_info(bytes, size);
    if (!info) return Error{info.error()};
    std::set<std::string> already;
    for (const TensorInfo& t : info.value().outputs) already.insert(t.name);
    std::vector<std::uint8_t> extra; // GraphProto.output = 12, each a ValueInfoProto{name = 1}
    for (const std::string& name : tensors) {
        if (info.value().producer_op.count(name) == 0) return Error{"no node of the graph writes tensor '" + name + "'"};
        if (!already.insert(name).second) continue;
        std::vector<std::uint8_t> value_info;
        put_bytes_field(value_info, 1, reinterpret_cast<const std::uint8_t*>(name.data()), name.size());
        put_bytes_field(extra, 12, value_info.data(), value_info.size());
    }
    // Copy the ModelProto field by field; the graph field gets the new outputs appended (protobuf
    // merges repeated fields in order, so appending to the message appends to GraphProto.output).
    std::vector<std::uint8_t> out;
    out.reserve(size + extra.size() + 16);
    Wire model{bytes, bytes + size};
    while (model.more()) {
        const std::uint8_t* field_start = model.p;
        int wt = 0;
        const std::uint32_t field = model.tag(wt);
        if (field == 7 && wt == 2) {
            const Wire g = model.sub();
            put_varint(out, (7u << 3) | 2);
            put_varint(out, static_cast<std::uint64_t>(g.end - g.p) + extra.size());
            out.insert(out.end(), g.p, g.end);
            out.insert(out.end(), extra.begin(), extra.end());
            extra.clear(); // a second graph field (merged by protobuf) needs no second copy
        } else {
            model.skip(wt);
            out.insert(out.end(), field_start, model.p);
        }
    }
    return out;
}

Result<bool> add_default_conv_attributes(std::vector<std::uint8_t>& bytes_in) {
    const std::uint8_t* bytes = bytes_in.data();
    const std::size_t size = bytes_in.size();
    Result<OnnxInfo> info = read_onnx_info(bytes, size); // checks the whole model is well-formed
    if (!info) return Error{info.error()};
    // Pass 1: the dims of every initializer (TensorProto dims = 1, name = 8), no values.
    std::map<std::string, std::vector<std::int64_t>> weight_dims;
    for_each_graph_message(bytes, size, 5, [&](Wire t) {
        std::string name;
        std::vector<std::int64_t> dims;
        while (t.more()) {
            int twt = 0;
            const std::uint32_t f = t.tag(twt);
            if (f == 1) read_repeated(t, twt, 0, [&](Wire& x) { dims.push_back(static_cast<std::int64_t>(x.varint())); });
            else if (f == 8 && twt == 2) name = t.string();
            else t.skip(twt);
        }
        weight_dims[name] = std::move(dims);
    });
    // Pass 2: does any Conv lack one? Most exports have them all: then nothing is copied.
    bool any = false;
    for_each_graph_message(bytes, size, 1, [&](Wire node) { any = any || !missing_conv_attributes(node, weight_dims).empty(); });
    if (!any) return false;
    // Pass 3: copy the model; the graph is re-emitted with the attributes appended to those Convs.
    std::vector<std::uint8_t> out;
    Wire model{bytes, bytes + size};
    while (model.more()) {
        const std::uint8_t* field_start = model.p;
        int wt = 0;
        const std::uint32_t field = model.tag(wt);
        if (field != 7 || wt != 2) {
            model.skip(wt);
            out.insert(out.end(), field_start, model.p);
            continue;
        }
        Wire g = model.sub();
        std::vector<std::uint8_t> graph;
        graph.reserve(static_cast<std::size_t>(g.end - g.p) + 256);
        while (g.more()) {
            const std::uint8_t* start = g.p;
            int gwt = 0;
            const std::uint32_t gf = g.tag(gwt);
            if (gf != 1 || gwt != 2) {
                g.skip(gwt);
                graph.insert(graph.end(), start, g.p);
                continue;
            }
            const Wire node = g.sub();
            const std::vector<std::uint8_t> extra = missing_conv_attributes(node, weight_dims);
            if (extra.empty()) {
                graph.insert(graph.end(), start, g.p);
                continue;
            }
            put_varint(graph, (1u << 3) | 2);
            put_varint(graph, static_cast<std::uint64_t>(node.end - node.p) + extra.size());
            graph.insert(graph.end(), node.p, node.end);
            graph.insert(graph.end(), extra.begin(), extra.end());
        }
        put_bytes_field(out, 7, graph.data(), graph.size());
    }
    bytes_in = std::move(out);
    return true;
}

} // namespace deadzone
