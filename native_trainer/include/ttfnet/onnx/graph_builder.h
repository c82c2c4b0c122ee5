// A small builder for ONNX graphs (IR 8, opset 17) over libonnx's protobuf types.
//
// The exporter walks the LibTorch model and calls one method per layer; this class owns the
// protobuf bookkeeping (unique tensor names, initializers as raw little-endian data, attributes)
// so the exporter reads like the model's forward().
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ttfnet::onnx_export {

// A float tensor to store as an initializer: shape + row-major values.
struct FloatTensor {
    std::vector<std::int64_t> shape;
    std::vector<float> values;
};

struct ConvParams {
    int stride = 1;
    int padding = 0;
    int groups = 1;
};

class GraphBuilder {
public:
    explicit GraphBuilder(const std::string& graph_name);

    void add_input(const std::string& name, const std::vector<std::int64_t>& shape);
    void add_output(const std::string& name, const std::vector<std::int64_t>& shape);
    void set_metadata(const std::string& key, const std::string& value);

    // Stores `tensor` as an initializer named after `hint` (made unique) and returns its name.
    std::string initializer(const std::string& hint, const FloatTensor& tensor);

    // Adds a node; returns its single output's name (`output` if given, else a unique one).
    std::string node(const std::string& op_type, const std::vector<std::string>& inputs, const std::string& output = "",
                     const std::string& name_hint = "");

    std::string conv(const std::string& x, const FloatTensor& weight, const FloatTensor& bias, const ConvParams& params,
                     const std::string& name_hint, const std::string& output = "");
    std::string relu(const std::string& x, const std::string& output = "");
    std::string leaky_relu(const std::string& x, float alpha, const std::string& output = "");
    std::string softplus(const std::string& x, const std::string& output = "");
    std::string hard_swish(const std::string& x);
    std::string hard_sigmoid(const std::string& x, float alpha, float beta);
    std::string global_average_pool(const std::string& x);
    std::string add(const std::string& a, const std::string& b);
    std::string mul(const std::string& a, const std::string& b, const std::string& output = "");
    std::string mul_scalar(const std::string& x, float factor, const std::string& output = "");
    // Bilinear x`factor` upsampling matching PyTorch's align_corners=false (half_pixel in ONNX).
    std::string resize_bilinear(const std::string& x, float factor);

    // The finished model (IR 8, opset 17). Throws nothing; validate with check().
    const onnx::ModelProto& model() const { return model_; }

    // Runs onnx::checker and shape inference; returns an empty string or the checker's message.
    std::string check();

private:
    std::string unique(const std::string& hint);
    onnx::NodeProto* last_node();

    onnx::ModelProto model_;
    onnx::GraphProto* graph_;
    int counter_ = 0;
};

} // namespace ttfnet::onnx_export
