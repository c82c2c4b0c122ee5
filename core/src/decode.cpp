#include "deadzone/decode.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace deadzone {

float logit(float probability) {
    if (std::isnan(probability)) return probability;
    const float p = std::clamp(probability, 1e-7f, 1.0f - 1e-7f);
    return std::log(p / (1.0f - p));
}

float sigmoid(float logit) {
    // Split by sign so exp() never overflows to inf for large |logit|.
    if (logit >= 0.0f) return 1.0f / (1.0f + std::exp(-logit));
    const float e = std::exp(logit);
    return e / (1.0f + e);
}

namespace {

std::string shape_text(const ChwView& v) {
    return "[" + std::to_string(v.channels) + "," + std::to_string(v.height) + "," + std::to_string(v.width) + "]";
}

std::string check_inputs(const ChwView& heatmap, const ChwView& wh, const DecodeParams& params) {
    if (heatmap.data == nullptr || wh.data == nullptr) return "decode: missing heatmap or wh data";
    if (heatmap.channels <= 0 || heatmap.height <= 0 || heatmap.width <= 0)
        return "decode: heatmap shape " + shape_text(heatmap) + " is empty";
    if (wh.channels != 4) return "decode: wh must have 4 channels (left, top, right, bottom), got " + shape_text(wh);
    if (wh.height != heatmap.height || wh.width != heatmap.width)
        return "decode: heatmap " + shape_text(heatmap) + " and wh " + shape_text(wh) + " differ in size";
    if (params.stride <= 0) return "decode: stride must be positive";
    if (params.top_k <= 0) return "decode: top_k must be positive";
    return {};
}

struct Peak {
    float score;
    int class_id;
    int y;
    int x;
};

// Higher score first; equal scores in (class, y, x) order so results never depend on sort stability.
bool peak_before(const Peak& a, const Peak& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.class_id != b.class_id) return a.class_id < b.class_id;
    if (a.y != b.y) return a.y < b.y;
    return a.x < b.x;
}

// Is logit (at y, x) the maximum of its 3x3 neighbourhood? Comparing logits is the same as
// comparing sigmoids (monotonic) and avoids 1.0f saturation ties for very large logits.
// Non-finite neighbours are ignored, like cells outside the map.
bool is_local_max(const float* plane, int height, int width, int y, int x) {
    const float v = plane[static_cast<std::size_t>(y) * width + x];
    for (int ny = std::max(0, y - 1); ny <= std::min(height - 1, y + 1); ++ny) {
        for (int nx = std::max(0, x - 1); nx <= std::min(width - 1, x + 1); ++nx) {
            const float n = plane[static_cast<std::size_t>(ny) * width + nx];
            if (std::isfinite(n) && n > v) return false;
        }
    }
    return true;
}

float clip(float v, float hi) { return std::min(std::max(v, 0.0f), hi); }

} // namespace

Result<DecodeResult> decode_ttfnet(const ChwView& heatmap, const ChwView& wh, const DecodeParams& params,
                                   const Letterbox& letterbox) {
    if (std::string problem = check_inputs(heatmap, wh, params); !problem.empty()) return Error{problem};

    DecodeResult result;
    const std::size_t plane = heatmap.plane_size();
    for (std::size_t i = 0; i < wh.size(); ++i)
        if (!std::isfinite(wh.data[i])) ++result.nonfinite_wh;

    // Peaks below the score threshold are dropped after the top-K cut, and being sorted they come
    // after every kept one, so skipping them early changes nothing. The test is on logits with a
    // margin of 1 (sigmoid's float rounding never bridges that) and the exact sigmoid test below
    // still decides; this keeps the 3x3 maximum test off most cells (the explorer redecodes on
    // every slider move and on every result).
    const float t = params.score_threshold;
    const float skip_below = t > 0.0f && t < 1.0f ? std::log(t / (1.0f - t)) - 1.0f : -std::numeric_limits<float>::infinity();
    std::vector<Peak> peaks;
    for (int c = 0; c < heatmap.channels; ++c) {
        const float* p = heatmap.plane(c);
        for (int y = 0; y < heatmap.height; ++y) {
            for (int x = 0; x < heatmap.width; ++x) {
                const float logit = p[static_cast<std::size_t>(y) * heatmap.width + x];
                if (!std::isfinite(logit)) {
                    ++result.nonfinite_heatmap;
                    continue;
                }
                if (logit >= skip_below && is_local_max(p, heatmap.height, heatmap.width, y, x))
                    peaks.push_back({sigmoid(logit), c, y, x});
            }
        }
    }

    const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(params.top_k), peaks.size());
    std::partial_sort(peaks.begin(), peaks.begin() + static_cast<std::ptrdiff_t>(k), peaks.end(), peak_before);
    peaks.resize(k);

    const float max_x = static_cast<float>(letterbox.source_width);
    const float max_y = static_cast<float>(letterbox.source_height);
    for (const Peak& peak : peaks) {
        if (peak.score < params.score_threshold) break; // sorted: the rest are lower
        const std::size_t offset = static_cast<std::size_t>(peak.y) * heatmap.width + peak.x;
        const float left = wh.data[0 * plane + offset];
        const float top = wh.data[1 * plane + offset];
        const float right = wh.data[2 * plane + offset];
        const float bottom = wh.data[3 * plane + offset];
        if (!std::isfinite(left) || !std::isfinite(top) || !std::isfinite(right) || !std::isfinite(bottom)) {
            ++result.dropped_peaks;
            continue;
        }
        const float cx = static_cast<float>(peak.x * params.stride);
        const float cy = static_cast<float>(peak.y * params.stride);
        Detection d;
        d.score = peak.score;
        d.class_id = peak.class_id;
        d.cell_x = peak.x;
        d.cell_y = peak.y;
        d.center_x = letterbox.to_source_x(cx);
        d.center_y = letterbox.to_source_y(cy);
        d.x1 = clip(letterbox.to_source_x(cx - left), max_x);
        d.y1 = clip(letterbox.to_source_y(cy - top), max_y);
        d.x2 = clip(letterbox.to_source_x(cx + right), max_x);
        d.y2 = clip(letterbox.to_source_y(cy + bottom), max_y);
        result.detections.push_back(d);
    }
    return result;
}

} // namespace deadzone
