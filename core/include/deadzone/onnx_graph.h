// An ONNX model's graph as the dead-zone scan reads it: every node in graph order with its inputs,
// outputs and attributes, and the float weights (initializers and Constant nodes) by tensor name.
// Read straight from the protobuf wire format (onnx.proto3: ModelProto, GraphProto, NodeProto,
// AttributeProto, TensorProto), like onnx_info.h, so the browser and the CLI share it.
//
// Also here: add_graph_outputs, which rewrites a model so that ONNX Runtime returns intermediate
// tensors (the activations the scan counts) as extra graph outputs.
#pragma once

#include "deadzone/onnx_info.h"
#include "deadzone/result.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace deadzone {

// One AttributeProto. Only the kinds the scan reads keep their value; others keep their name only.
struct OnnxAttribute {
    enum class Kind { Float, Int, String, Floats, Ints, Other };
    std::string name;
    Kind kind = Kind::Other;
    float f = 0.0f;
    std::int64_t i = 0;
    std::string s;
    std::vector<float> floats;
    std::vector<std::int64_t> ints;
};

struct OnnxNode {
    std::string name;                // may be empty: exporters need not name nodes
    std::string op_type;             // "Conv", "Relu", ...
    std::string domain;              // "" (= ai.onnx) for the standard operators
    std::vector<std::string> inputs; // "" marks an omitted optional input
    std::vector<std::string> outputs;
    std::vector<OnnxAttribute> attributes;

    const OnnxAttribute* attribute(const std::string& attribute_name) const; // null when absent
    float float_attribute(const std::string& attribute_name, float fallback) const;
    // The node's name, or "<op_type> -> <first output>" when it has none, for reports.
    std::string display_name() const;
};

// A weight tensor converted to float32 (from float, float16 or double), row-major in `dims`.
// `values` is empty when the data lives in an external file or has another element type.
struct OnnxWeights {
    std::vector<std::int64_t> dims;
    std::vector<float> values;
};

struct OnnxGraph {
    OnnxInfo info;                              // inputs, outputs, metadata (read_onnx_info)
    std::vector<OnnxNode> nodes;                // graph order, which the ONNX spec requires to be topological
    std::map<std::string, OnnxWeights> weights; // initializers and Constant node outputs
    std::int64_t opset = 0;                     // the default domain's opset version; 0 when not recorded

    const OnnxWeights* find_weights(const std::string& tensor) const; // null when not a weight
    // Indices into `nodes` of the nodes that read `tensor`, in graph order.
    std::vector<std::size_t> consumers(const std::string& tensor) const;
    // Index of the node that writes `tensor`, or -1 (graph inputs, weights).
    std::ptrdiff_t producer(const std::string& tensor) const;
};

// Parses the main graph of an ONNX ModelProto (subgraphs of If/Loop are not descended into).
// Errors: as read_onnx_info (empty, corrupt or truncated protobuf, no graph).
Result<OnnxGraph> read_onnx_graph(const std::uint8_t* bytes, std::size_t size);

// Returns the model with `tensors` appended to its graph outputs (ValueInfoProto with a name and no
// type, which ONNX Runtime infers), every other byte unchanged. Tensors that already are outputs are
// skipped. Errors: the model does not parse, or a tensor is written by no node of the graph.
Result<std::vector<std::uint8_t>> add_graph_outputs(const std::uint8_t* bytes, std::size_t size,
                                                    const std::vector<std::string>& tensors);

// Gives every standard Conv of `model` (ONNX bytes, rewritten in place) the attributes the ONNX spec
// lets it omit: kernel_shape (from its weight's dims), strides and dilations of 1, and pads of 0
// unless auto_pad is set. The model computes exactly the same; ONNX Runtime Web's WebGPU Conv kernel
// refuses a Conv without them ("dilations should be 2D"), which exporters other than PyTorch's
// write. Returns whether any Conv needed them (the bytes are untouched, and not copied, when none
// did). Errors: the model does not parse (it is then left as it was).
Result<bool> add_default_conv_attributes(std::vector<std::uint8_t>& model);

} // namespace deadzone
