// What DeadZone needs from an .onnx file before handing it to ONNX Runtime: input and output names,
// shapes and element types, the op that produces each output, the external data files its weights
// live in, and the metadata_props the trainer writes. Read straight from the protobuf wire format
// (onnx.proto3: ModelProto, GraphProto, NodeProto, ValueInfoProto, TensorProto), no other fields:
// ORT Web exposes none of this, and reading it first lets a wrong model be refused with a clear
// message before any session exists.
#pragma once

#include "deadzone/result.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace deadzone {

// ONNX TensorProto.DataType (onnx.proto3), by its number in the file. The enumerators are the types
// DeadZone deals with; any other number read from a file is kept as it is (the underlying type is
// int) and reported by number.
enum class OnnxElemType : int { Undefined = 0, Float = 1, Float16 = 10, Double = 11 };

struct TensorInfo {
    std::string name;
    std::vector<std::int64_t> dims; // -1 for a symbolic or missing dimension
    OnnxElemType elem_type = OnnxElemType::Undefined;
};

struct OnnxInfo {
    std::vector<TensorInfo> inputs; // graph inputs that are not initializers
    std::vector<TensorInfo> outputs;
    std::map<std::string, std::string> metadata;
    std::map<std::string, std::string> producer_op; // tensor name -> op_type of the node that writes it
    std::vector<std::string> external_data;         // files initializers keep their data in ("location"), each once
};

// Parses an ONNX ModelProto. Fails on an empty file, anything that is not well-formed protobuf, or a
// model with no graph.
Result<OnnxInfo> read_onnx_info(const std::uint8_t* bytes, std::size_t size);

// "[1,3,?,640]": dims as a user reads them (? for symbolic).
std::string dims_text(const std::vector<std::int64_t>& dims);

// The tensor called `name` in `list`, or null.
const TensorInfo* find_tensor(const std::vector<TensorInfo>& list, const std::string& name);

} // namespace deadzone
