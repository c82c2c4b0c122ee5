// core/'s decode and per-channel statistics behind a C interface, for bench/gpu_postprocess_bench.mjs:
// the "read every output back and post-process in C++" side, compiled to wasm for the browser
// (build/wasm/app/postprocess_core.js, served at /app/). Buffers live on the module's heap.
#pragma once

extern "C" {

// decode.h's decode_ttfnet of heatmap [c,h,w] logits and wh [4,h,w] (input pixels), with the
// letterbox of a source_w x source_h image in an input_w x input_h input. Writes each detection as
// 10 floats (x1, y1, x2, y2, score, class, center_x, center_y, cell_x, cell_y) into `out` (room for
// top_k); returns their number, or -1 when decode refuses the shapes or params.
int dz_pp_decode(const float* heatmap, int c, int h, int w, const float* wh, int stride, int top_k, float score_threshold,
                 int source_w, int source_h, int input_w, int input_h, float* out);

// channel_stats.h's per_channel_stats of [n, c, p] values: writes per channel 10 doubles (count,
// finite, nan, inf, min, max, mean, std, fraction_zero, fraction_positive) into `out`.
void dz_pp_stats(const float* values, int n, int c, int p, double* out);

} // extern "C"
