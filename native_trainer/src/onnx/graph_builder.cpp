#include "ttfnet/onnx/graph_builder.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <cstring>
#include <exception>

namespace ttfnet::onnx_export {

namespace {

void set_shape(onnx::ValueInfoProto* info, const std::string& name, const std::vector<std::int64_t>& shape) {
    info->set_name(name);
    onnx::TypeProto_Tensor* t = info->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto_DataType_FLOAT);
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

} // namespace

GraphBuilder::GraphBuilder(const std::string& graph_name) {
    model_.set_ir_version(8);
    model_.set_producer_name("deadzone ttfnet-train");
    model_.set_producer_version("1");
    onnx::OperatorSetIdProto* opset = model_.add_opset_import();
    opset->set_domain("");
    opset->set_version(17);
    graph_ = model_.mutable_graph();
    graph_->set_name(graph_name);
}

void GraphBuilder::add_input(const std::string& name, const std::vector<std::int64_t>& shape) {
    set_shape(graph_->add_input(), name, shape);
}

void GraphBuilder::add_output(const std::string& name, const std::vector<std::int64_t>& shape) {
    set_shape(graph_->add_output(), name, shape);
}

void GraphBuilder::set_metadata(const std::string& key, const std::string& value) {
    onnx::StringStringEntryProto* p = model_.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
}

std::string GraphBuilder::unique(const std::string& hint) { return hint + "_" + std::to_string(counter_++); }

std::string GraphBuilder::initializer(const std::string& hint, const FloatTensor& tensor) {
    const std::string name = unique(hint);
    onnx::TensorProto* t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_FLOAT);
    for (std::int64_t d : tensor.shape) t->add_dims(d);
    // raw_data is little-endian float32, which is also this machine's (and wasm's) layout.
    std::string raw(tensor.values.size() * sizeof(float), '\0');
    std::memcpy(raw.data(), tensor.values.data(), raw.size());
    t->set_raw_data(std::move(raw));
    return name;
}

std::string GraphBuilder::node(const std::string& op_type, const std::vector<std::string>& inputs, const std::string& output,
                               const std::string& name_hint) {
    onnx::NodeProto* n = graph_->add_node();
    n->set_op_type(op_type);
    n->set_name(unique(name_hint.empty() ? op_type : name_hint));
    for (const std::string& in : inputs) n->add_input(in);
    const std::string out = output.empty() ? n->name() + "_out" : output;
    n->add_output(out);
    return out;
}

onnx::NodeProto* GraphBuilder::last_node() { return graph_->mutable_node(graph_->node_size() - 1); }

std::string GraphBuilder::conv(const std::string& x, const FloatTensor& weight, const FloatTensor& bias, const ConvParams& p,
                               const std::string& name_hint, const std::string& output) {
    const std::string w = initializer(name_hint + ".weight", weight);
    const std::string b = initializer(name_hint + ".bias", bias);
    const std::string out = node("Conv", {x, w, b}, output, name_hint);
    onnx::NodeProto* n = last_node();
    const std::int64_t k = weight.shape.at(2);
    attr_ints(n, "kernel_shape", {k, weight.shape.at(3)});
    attr_ints(n, "strides", {p.stride, p.stride});
    attr_ints(n, "pads", {p.padding, p.padding, p.padding, p.padding});
    attr_int(n, "group", p.groups);
    return out;
}

std::string GraphBuilder::relu(const std::string& x, const std::string& output) { return node("Relu", {x}, output); }

std::string GraphBuilder::leaky_relu(const std::string& x, float alpha, const std::string& output) {
    const std::string out = node("LeakyRelu", {x}, output);
    attr_float(last_node(), "alpha", alpha);
    return out;
}

std::string GraphBuilder::softplus(const std::string& x, const std::string& output) { return node("Softplus", {x}, output); }

std::string GraphBuilder::hard_swish(const std::string& x) { return node("HardSwish", {x}); }

std::string GraphBuilder::hard_sigmoid(const std::string& x, float alpha, float beta) {
    const std::string out = node("HardSigmoid", {x});
    attr_float(last_node(), "alpha", alpha);
    attr_float(last_node(), "beta", beta);
    return out;
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
    const std::string out = node("Resize", {x, "", scales});
    attr_string(last_node(), "mode", "linear");
    attr_string(last_node(), "coordinate_transformation_mode", "half_pixel");
    return out;
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
