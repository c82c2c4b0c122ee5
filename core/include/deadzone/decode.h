// TTFNet decode: the one reference implementation.
//
// The trainer's eval CLI, the browser explorer and the WGSL shader are all tested against this
// function, so its conventions are the project's conventions:
//
//   * heatmap holds logits [C,H,W]; wh holds distances [4,H,W] in input pixels, already multiplied
//     by wh_offset_base (order: left, top, right, bottom).
//   * A peak is a cell whose sigmoid score equals the maximum of its 3x3 neighbourhood (cells
//     outside the map are ignored). Equal neighbours are all kept, as max-pool equality does.
//   * The centre of cell (x, y) is (x * stride, y * stride) in input pixels: the TTFNet reference
//     convention (no +0.5), used by the trainer's targets as well.
//   * box = (cx - wh0, cy - wh1, cx + wh2, cy + wh3), mapped through the letterbox back to source
//     pixels and clipped to the source image.
//   * Top-K over all classes and cells by score, descending; ties broken by (class, y, x) so the
//     order is deterministic. Then the score threshold is applied.
//   * Non-finite inputs never become detections: a NaN/Inf heatmap cell is not a peak, a peak with
//     a non-finite wh is dropped. They are counted so callers can warn.
//
// A dead wh channel (all zeros) therefore decodes to boxes whose edge sits exactly on the centre.
#pragma once

#include "deadzone/letterbox.h"
#include "deadzone/result.h"
#include "deadzone/tensor_view.h"

#include <cstdint>
#include <vector>

namespace deadzone {

struct DecodeParams {
    int stride = 4;
    int top_k = 100;
    float score_threshold = 0.1f;
};

struct Detection {
    float x1 = 0, y1 = 0, x2 = 0, y2 = 0; // source pixels, clipped
    float score = 0;
    int class_id = 0;
    float center_x = 0, center_y = 0; // source pixels, not clipped
    int cell_x = 0, cell_y = 0;       // peak cell on the feature map
};

struct DecodeResult {
    std::vector<Detection> detections;
    std::int64_t nonfinite_heatmap = 0; // NaN/Inf cells in the heatmap
    std::int64_t nonfinite_wh = 0;      // NaN/Inf cells in wh
    std::int64_t dropped_peaks = 0;     // peaks dropped because their wh was non-finite
};

// Numerically safe logistic function, shared with the statistics so both agree on scores.
float sigmoid(float logit);

// The inverse, for heatmaps exported with their sigmoid: log(p / (1 - p)), with p clamped to
// [1e-7, 1 - 1e-7] so that 0 and 1 map to finite logits (about -16.1 and 15.9); NaN stays NaN.
// Monotone, so peaks and their order are those of the probabilities.
float logit(float probability);

// Decodes one image. Fails (with a message naming the shapes) when heatmap and wh differ in height
// or width, wh does not have 4 channels, a map is empty, or the params are out of range.
Result<DecodeResult> decode_ttfnet(const ChwView& heatmap_logits, const ChwView& wh, const DecodeParams& params,
                                   const Letterbox& letterbox);

} // namespace deadzone
