#include "postprocess_core.h"

#include "deadzone/channel_stats.h"
#include "deadzone/decode.h"
#include "deadzone/letterbox.h"

#include <emscripten/emscripten.h>

using namespace deadzone;

extern "C" {

EMSCRIPTEN_KEEPALIVE int dz_pp_decode(const float* heatmap, int c, int h, int w, const float* wh, int stride, int top_k,
                                      float score_threshold, int source_w, int source_h, int input_w, int input_h, float* out) {
    DecodeParams params;
    params.stride = stride;
    params.top_k = top_k;
    params.score_threshold = score_threshold;
    const Result<DecodeResult> r = decode_ttfnet(ChwView{heatmap, c, h, w}, ChwView{wh, 4, h, w}, params,
                                                 make_letterbox(source_w, source_h, input_w, input_h));
    if (!r) return -1;
    int n = 0;
    for (const Detection& d : r.value().detections) {
        const float row[10] = {d.x1,
                               d.y1,
                               d.x2,
                               d.y2,
                               d.score,
                               static_cast<float>(d.class_id),
                               d.center_x,
                               d.center_y,
                               static_cast<float>(d.cell_x),
                               static_cast<float>(d.cell_y)};
        for (int k = 0; k < 10; ++k) out[n * 10 + k] = row[k];
        ++n;
    }
    return n;
}

EMSCRIPTEN_KEEPALIVE void dz_pp_stats(const float* values, int n, int c, int p, double* out) {
    const std::vector<ChannelStats> stats = per_channel_stats(NcsView{values, n, c, p});
    for (std::size_t k = 0; k < stats.size(); ++k) {
        const ChannelStats& s = stats[k];
        const double row[10] = {static_cast<double>(s.count),
                                static_cast<double>(s.finite_count),
                                static_cast<double>(s.nan_count),
                                static_cast<double>(s.inf_count),
                                s.min,
                                s.max,
                                s.mean,
                                s.std,
                                s.fraction_zero,
                                s.fraction_positive};
        for (int j = 0; j < 10; ++j) out[k * 10 + j] = row[j];
    }
}

} // extern "C"
