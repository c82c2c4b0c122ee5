// A small builder for ONNX graphs (IR 8, opset 17) over libonnx's protobuf types.
//
// The exporter walks the LibTorch model and calls one method per layer; this class owns the
// protobuf bookkeeping (unique tensor names, initializers as raw little-endian data, attributes)
// so the exporter reads like the model's forward(). The explorer's test models
// (tests/fixtures/make_test_models.cpp) are written with it too, so every ONNX file the project
// makes has the same layout. It needs libonnx only, not LibTorch (library ttfnet_onnx_graph).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace ttfnet::onnx_export {

// A float tensor to store as an initializer: shape + row-major values.
struct FloatTensor {
    std::vector<std::int64_t> shape;
    std::vector<float> values;
};

// An int64 tensor to store as an initializer (indices, shapes): shape + row-major values.
struct Int64Tensor {
    std::vector<std::int64_t> shape;
    std::vector<std::int64_t> values;
};

// One node attribute (ONNX AttributeProto): an int, a float, a string or a list of ints. Made with
// the named factories, so that `{4, 4}` or `1` never has to pick a type by overload resolution.
struct Attribute {
    using Value = std::variant<std::int64_t, float, std::string, std::vector<std::int64_t>>;
    std::string name;
    Value value;

    static Attribute of_int(std::string name, std::int64_t v) { return {std::move(name), Value{v}}; }
    static Attribute of_float(std::string name, float v) { return {std::move(name), Value{v}}; }
    static Attribute of_string(std::string name, std::string v) { return {std::move(name), Value{std::move(v)}}; }
    static Attribute of_ints(std::string name, std::vector<std::int64_t> v) { return {std::move(name), Value{std::move(v)}}; }
};

struct ConvParams {
    int stride = 1;
    int padding = 0;
    int groups = 1;
};

class GraphBuilder {
public:
    // `producer` is the model's producer_name (ONNX ModelProto), e.g. the tool that wrote it.
    explicit GraphBuilder(const std::string& graph_name, const std::string& producer = "deadzone ttfnet-train");

    // Graph inputs and outputs with a static shape; elements float32 unless `elem_type` says otherwise
    // (e.g. onnx::TensorProto_DataType_FLOAT16 for a half-precision export).
    void add_input(const std::string& name, const std::vector<std::int64_t>& shape,
                   onnx::TensorProto_DataType elem_type = onnx::TensorProto_DataType_FLOAT);
    void add_output(const std::string& name, const std::vector<std::int64_t>& shape,
                    onnx::TensorProto_DataType elem_type = onnx::TensorProto_DataType_FLOAT);
    void set_metadata(const std::string& key, const std::string& value);

    // Stores `tensor` as an initializer named after `hint` (made unique: "<hint>_<n>") and returns
    // its name. Shape {} is a scalar.
    std::string initializer(const std::string& hint, const FloatTensor& tensor);
    std::string initializer(const std::string& hint, const Int64Tensor& tensor);

    // Adds a node with `attributes`; returns its single output's name (`output` if given, else a
    // unique one). The node is named "<name_hint>_<n>", else "<op_type>_<output>" when `output` is
    // given (distinct as long as output names are, and no output is named like a number), else
    // "<op_type>_<n>". An input "" is an omitted optional input, as ONNX spells it.
    std::string node(const std::string& op_type, const std::vector<std::string>& inputs, const std::string& output = "",
                     const std::string& name_hint = "", const std::vector<Attribute>& attributes = {});

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
    // An initializer of `type` named after `hint`, its little-endian bytes in `raw`.
    std::string add_initializer(const std::string& hint, onnx::TensorProto_DataType type, const std::vector<std::int64_t>& shape,
                                std::string raw);

    onnx::ModelProto model_;
    onnx::GraphProto* graph_;
    int counter_ = 0;
};

} // namespace ttfnet::onnx_export
