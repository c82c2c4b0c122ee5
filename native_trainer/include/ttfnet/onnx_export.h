// Writes a trained TTFNet as an ONNX model the explorer (ONNX Runtime Web) and ttfnet-eval run.
//
// The interface is DeadZone's model contract:
//   input   image    [1,3,S,S]    ImageNet-normalised RGB, letterboxed (core/image_input.h)
//   output  heatmap  [1,C,S/4,S/4] logits
//           wh       [1,4,S/4,S/4] act(wh_pre) * wh_offset_base, input pixels (left, top, right, bottom)
//           wh_pre   [1,4,S/4,S/4] the wh head's pre-activation, so both sides of the ReLU are visible
// BatchNorm is folded into the preceding convs (inference uses running statistics). Metadata props:
// variant, activation, leaky_slope, wh_offset_base, stride, input_size, mean, std, class_names,
// training_steps.
#pragma once

#include "ttfnet/model/ttfnet.h"

#include "deadzone/image_input.h"
#include "deadzone/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ttfnet {

struct OnnxExportOptions {
    int input_size = 512;
    std::vector<std::string> class_names;
    std::int64_t training_steps = 0;
    deadzone::Normalization normalization;
};

struct OnnxExportSummary {
    std::string path;
    std::int64_t bytes = 0;
    int nodes = 0;
    int initializers = 0;
};

// Exports `model` to `path` (written to a temporary file, checked with onnx::checker, then renamed,
// so a failed export never leaves a half-written model behind).
deadzone::Result<OnnxExportSummary> export_onnx(TtfNetImpl& model, const OnnxExportOptions& options, const std::string& path);

} // namespace ttfnet
