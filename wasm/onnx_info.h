// Reads what the explorer needs from an .onnx file before handing it to ONNX Runtime Web: input and
// output names and shapes, and the metadata_props the trainer writes. ORT Web does not expose
// metadata_props, and checking the interface here lets a wrong model be refused with a clear message
// before any session exists.
#pragma once

#include "deadzone/image_input.h"
#include "deadzone/result.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace deadzone::explorer {

struct TensorInfo {
    std::string name;
    std::vector<std::int64_t> dims; // -1 for a symbolic or missing dimension
    int elem_type = 0;              // ONNX TensorProto.DataType (1 = float)
};

struct OnnxInfo {
    std::vector<TensorInfo> inputs;  // graph inputs that are not initializers
    std::vector<TensorInfo> outputs;
    std::map<std::string, std::string> metadata;
};

// Parses the protobuf wire format of an ONNX ModelProto (only the fields above). Fails on anything
// that is not well-formed protobuf, or that has no graph.
Result<OnnxInfo> read_onnx_info(const std::uint8_t* bytes, std::size_t size);

// A model that speaks the DeadZone interface: input `image` [1,3,S,S]; outputs `heatmap`
// [1,C,S/stride,S/stride], `wh` and `wh_pre` [1,4,...].
struct ModelSpec {
    std::string variant;     // metadata `variant`, or "" when absent
    std::string activation;  // metadata `activation`
    int input_size = 0;
    int stride = 4;
    int num_classes = 0;     // 0 when the heatmap's channel count is symbolic and no names are given
    std::vector<std::string> class_names;
    Normalization norm;
    std::string training_steps;
};

// Checks the interface; the error says what does not match, fit to show a user.
Result<ModelSpec> check_deadzone_interface(const OnnxInfo& info);

} // namespace deadzone::explorer
