// Reads a TTFNet ONNX model written by export_onnx() back into a LibTorch TtfNet (there is no ONNX
// Runtime for C++ here; ttfnet-eval --onnx runs the rebuilt model).
//
// The ModelConfig is inferred from the initializers (names "<layer>.weight_<n>" / "<layer>.bias_<n>"
// as GraphBuilder names them, shapes give class count, neck and head widths, the number of hm/wh
// head convs) and the metadata props (variant, activation, leaky_slope, wh_offset_base, input_size,
// class_names, mean, std). Weights are loaded walking the model in exactly the exporter's order
// (build_graph() in onnx_export.cpp). BatchNorm was folded at export: the folded conv weights go
// into the conv and the BN becomes identity-with-bias (gamma 1, running mean 0, running var 1-eps so
// 1/sqrt(var+eps) = 1, beta = folded bias). In eval mode the rebuilt model computes what the ONNX
// model computes (the round-trip test checks it against the exported model to 1e-4).
//
// A file that is not ONNX, is truncated, lacks DeadZone's interface (image -> heatmap, wh, wh_pre)
// or whose initializers do not follow the exporter's layout is a clear error, never a crash.
#pragma once

#include "ttfnet/model/ttfnet.h"

#include "deadzone/image_input.h"
#include "deadzone/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ttfnet {

struct ImportedOnnx {
    TtfNet model; // in eval mode
    int input_size = 0;
    std::vector<std::string> class_names; // class<i> when the metadata has none
    deadzone::Normalization normalization;
    std::int64_t training_steps = 0;
};

// `what` names the source in error messages (e.g. "ONNX model foo.onnx").
deadzone::Result<ImportedOnnx> import_onnx_bytes(const std::string& bytes, const std::string& what);

deadzone::Result<ImportedOnnx> import_onnx_file(const std::string& path);

} // namespace ttfnet
