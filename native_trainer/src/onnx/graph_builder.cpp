#include "ttfnet/onnx/graph_builder.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <cstring>
#include <exception>
#include <utility>

namespace ttfnet::onnx_export {

namespace {

void set_shape(onnx::ValueInfoProto* info, const std::string& name, const std::vector<std::int64_t>& shape,
               onnx::TensorProto_DataType elem_type) {
    info->set_name(name);
    onnx::TypeProto_Tensor* t = info->mutable_type()->mutable_tensor_type();
    t->set_elem_type(elem_type);
    for (std::int64_t d : shape) t->mutable_shape()->add_dim()->set_dim_value(d);
}

onnx::AttributeProto* add_attr(onnx::NodeProto* node, const std::string& name, onnx::AttributeProto_AttributeType type) {
    onnx::AttributeProto* a = node->add_attribute();
    a->set_name(name);
    a->set_type(type);
    return a;
}

void attr_ints(onnx::NodeProto* node, const std::string& name, const std::vector<std::int64_t>& values) {
    onnx::AttributeProto* a = add_attr(node, name, onnx::AttributeProto_AttributeType_INTS);
    for (std::int64_t v : values) a->add_ints(v);
}

void attr_int(onnx::NodeProto* node, const std::string& name, std::int64_t value) {
    add_attr(node, name, onnx::AttributeProto_AttributeType_INT)->set_i(value);
}

void attr_float(onnx::NodeProto* node, const std::string& name, float value) {
    add_attr(node, name, onnx::AttributeProto_AttributeType_FLOAT)->set_f(value);
}

void attr_string(onnx::NodeProto* node, const std::string& name, const std::string& value) {
    add_attr(node, name, onnx::AttributeProto_AttributeType_STRING)->set_s(value);
}

void add_attribute(onnx::NodeProto* node, const Attribute& a) {
    if (const auto* i = std::get_if<std::int64_t>(&a.value)) attr_int(node, a.name, *i);
    else if (const auto* f = std::get_if<float>(&a.value)) attr_float(node, a.name, *f);
    else if (const auto* s = std::get_if<std::string>(&a.value)) attr_string(node, a.name, *s);
    else attr_ints(node, a.name, std::get<std::vector<std::int64_t>>(a.value));
}

// raw_data is little-endian, which is also this machine's (and wasm's) layout.
template <typename T>
std::string raw_bytes(const std::vector<T>& values) {
    std::string raw(values.size() * sizeof(T), '\0');
    if (!raw.empty()) std::memcpy(raw.data(), values.data(), raw.size());
    return raw;
}

} // namespace

GraphBuilder::GraphBuilder(const std::string& graph_name, const std::string& producer) {
    model_.set_ir_version(8);
    model_.set_producer_name(producer);
    model_.set_producer_version("1");
    onnx::OperatorSetIdProto* opset = model_.add_opset_import();
    opset->set_domain("");
    opset->set_version(17);
    graph_ = model_.mutable_graph();
    graph_->set_name(graph_name);
}

void GraphBuilder::add_input(const std::string& name, const std::vector<std::int64_t>& shape,
                             onnx::TensorProto_DataType elem_type) {
    set_shape(graph_->add_input(), name, shape, elem_type);
}

void GraphBuilder::add_output(const std::string& name, const std::vector<std::int64_t>& shape,
                              onnx::TensorProto_DataType elem_type) {
    set_shape(graph_->add_output(), name, shape, elem_type);
}

void GraphBuilder::set_metadata(const std::string& key, const std::string& value) {
    onnx::StringStringEntryProto* p = model_.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
}

std::string GraphBuilder::unique(const std::string& hint) { return hint + "_" + std::to_string(counter_++); }

std::string GraphBuilder::initializer(const std::string& hint, const FloatTensor& tensor) {
    return add_initializer(hint, onnx::TensorProto_DataType_FLOAT, tensor.shape, raw_bytes(tensor.values));
}

std::string GraphBuilder::initializer(const std::string& hint, const Int64Tensor& tensor) {
    return add_initializer(hint, onnx::TensorProto_DataType_INT64, tensor.shape, raw_bytes(tensor.values));
}

std::string GraphBuilder::add_initializer(const std::string& hint, onnx::TensorProto_DataType type,
                                          const std::vector<std::int64_t>& shape, std::string raw) {
    const std::string name = unique(hint);
    onnx::TensorProto* t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (std::int64_t d : shape) t->add_dims(d);
    t->set_raw_data(std::move(raw));
    return name;
}

std::string GraphBuilder::node(const std::string& op_type, const std::vector<std::string>& inputs, const std::string& output,
                               const std::string& name_hint, const std::vector<Attribute>& attributes) {
    onnx::NodeProto* n = graph_->add_node();
    n->set_op_type(op_type);
    // A node that names its output is named after it ("Relu_relu1", readable in the scan's report);
    // others get a numbered name.
    n->set_name(!name_hint.empty() ? unique(name_hint) : !output.empty() ? op_type + "_" + output : unique(op_type));
    for (const std::string& in : inputs) n->add_input(in);
    const std::string out = output.empty() ? n->name() + "_out" : output;
    n->add_output(out);
    for (const Attribute& a : attributes) add_attribute(n, a);
    return out;
}

std::string GraphBuilder::conv(const std::string& x, const FloatTensor& weight, const FloatTensor& bias, const ConvParams& p,
                               const std::string& name_hint, const std::string& output) {
    const std::string w = initializer(name_hint + ".weight", weight);
    const std::string b = initializer(name_hint + ".bias", bias);
    return node("Conv", {x, w, b}, output, name_hint,
                {Attribute::of_ints("kernel_shape", {weight.shape.at(2), weight.shape.at(3)}),
                 Attribute::of_ints("strides", {p.stride, p.stride}),
                 Attribute::of_ints("pads", {p.padding, p.padding, p.padding, p.padding}), Attribute::of_int("group", p.groups)});
}

std::string GraphBuilder::relu(const std::string& x, const std::string& output) { return node("Relu", {x}, output); }

std::string GraphBuilder::leaky_relu(const std::string& x, float alpha, const std::string& output) {
    return node("LeakyRelu", {x}, output, "", {Attribute::of_float("alpha", alpha)});
}

std::string GraphBuilder::softplus(const std::string& x, const std::string& output) { return node("Softplus", {x}, output); }

std::string GraphBuilder::hard_swish(const std::string& x) { return node("HardSwish", {x}); }

std::string GraphBuilder::hard_sigmoid(const std::string& x, float alpha, float beta) {
    return node("HardSigmoid", {x}, "", "", {Attribute::of_float("alpha", alpha), Attribute::of_float("beta", beta)});
}

std::string GraphBuilder::global_average_pool(const std::string& x) { return node("GlobalAveragePool", {x}); }

std::string GraphBuilder::add(const std::string& a, const std::string& b) { return node("Add", {a, b}); }

std::string GraphBuilder::mul(const std::string& a, const std::string& b, const std::string& output) {
    return node("Mul", {a, b}, output);
}

std::string GraphBuilder::mul_scalar(const std::string& x, float factor, const std::string& output) {
    return mul(x, initializer("scale", FloatTensor{{}, {factor}}), output);
}

std::string GraphBuilder::resize_bilinear(const std::string& x, float factor) {
    const std::string scales = initializer("resize_scales", FloatTensor{{4}, {1.0f, 1.0f, factor, factor}});
    return node("Resize", {x, "", scales}, "", "",
                {Attribute::of_string("mode", "linear"), Attribute::of_string("coordinate_transformation_mode", "half_pixel")});
}

std::string GraphBuilder::check() {
    try {
        onnx::checker::check_model(model_);
        onnx::ModelProto inferred = model_;
        onnx::shape_inference::InferShapes(inferred);
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

} // namespace ttfnet::onnx_export
