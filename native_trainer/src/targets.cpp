#include "ttfnet/targets.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace ttfnet {

std::vector<float> gaussian_2d(int h_radius, int w_radius) {
    const int h = 2 * h_radius + 1, w = 2 * w_radius + 1;
    const double sigma_x = w / 6.0, sigma_y = h / 6.0;
    std::vector<float> g(static_cast<std::size_t>(h) * w);
    for (int y = -h_radius; y <= h_radius; ++y) {
        for (int x = -w_radius; x <= w_radius; ++x) {
            double v = std::exp(-(x * x / (2 * sigma_x * sigma_x) + y * y / (2 * sigma_y * sigma_y)));
            if (v < std::numeric_limits<float>::epsilon()) v = 0; // peak is 1
            g[static_cast<std::size_t>(y + h_radius) * w + (x + w_radius)] = static_cast<float>(v);
        }
    }
    return g;
}

namespace {

// Calls fn(map_index, gaussian_value) for every cell of the gaussian centred at (cx, cy) that lies
// inside the W x H map.
template <typename Fn>
void for_each_gaussian_cell(int cx, int cy, int h_radius, int w_radius, int width, int height, Fn fn) {
    const std::vector<float> g = gaussian_2d(h_radius, w_radius);
    const int gw = 2 * w_radius + 1;
    for (int y = std::max(0, cy - h_radius); y <= std::min(height - 1, cy + h_radius); ++y) {
        for (int x = std::max(0, cx - w_radius); x <= std::min(width - 1, cx + w_radius); ++x) {
            const float v = g[static_cast<std::size_t>(y - cy + h_radius) * gw + (x - cx + w_radius)];
            fn(static_cast<std::size_t>(y) * width + x, v);
        }
    }
}

// Sets ignore[cell] = 1 for the cells of each crowd region (see targets.h): centres (x*s, y*s) inside
// the box, and the cell holding the box centre.
void mark_crowd_cells(const std::vector<Box>& crowd, int width, int height, float s, std::vector<float>& ignore) {
    for (const Box& b : crowd) {
        if (!(b.x2 > b.x1) || !(b.y2 > b.y1)) continue;
        const int x0 = std::max(0, static_cast<int>(std::ceil(b.x1 / s))),
                  x1 = std::min(width - 1, static_cast<int>(std::floor(b.x2 / s)));
        const int y0 = std::max(0, static_cast<int>(std::ceil(b.y1 / s))),
                  y1 = std::min(height - 1, static_cast<int>(std::floor(b.y2 / s)));
        for (int y = y0; y <= y1; ++y)
            for (int x = x0; x <= x1; ++x) ignore[static_cast<std::size_t>(y) * width + x] = 1.0f;
        const int cx = std::clamp(static_cast<int>((b.x1 + b.x2) / 2.0f / s), 0, width - 1);
        const int cy = std::clamp(static_cast<int>((b.y1 + b.y2) / 2.0f / s), 0, height - 1);
        ignore[static_cast<std::size_t>(cy) * width + cx] = 1.0f;
    }
}

} // namespace

ImageTargets make_image_targets(const std::vector<Box>& boxes, int feat_width, int feat_height, const TargetParams& params,
                                const std::vector<Box>& crowd) {
    ImageTargets t;
    t.width = feat_width;
    t.height = feat_height;
    const std::size_t plane = static_cast<std::size_t>(feat_width) * feat_height;
    t.heatmap.assign(plane * params.num_classes, 0.0f);
    t.box_target.assign(plane * 4, 0.0f);
    t.reg_weight.assign(plane, 0.0f);
    t.heatmap_ignore.assign(plane, 0.0f);
    mark_crowd_cells(crowd, feat_width, feat_height, static_cast<float>(params.stride), t.heatmap_ignore);

    auto area = [](const Box& b) { return (b.x2 - b.x1 + 1.0f) * (b.y2 - b.y1 + 1.0f); };
    std::vector<std::size_t> order(boxes.size());
    std::iota(order.begin(), order.end(), 0);
    // Largest first (stable, so equal areas keep their input order): small objects are drawn last.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return area(boxes[a]) > area(boxes[b]); });

    const float s = static_cast<float>(params.stride);
    for (std::size_t k : order) {
        const Box& b = boxes[k];
        if (b.cls < 0 || b.cls >= params.num_classes || !(b.x2 > b.x1) || !(b.y2 > b.y1)) continue;
        // Box size on the feature map, clamped to the map as the reference does.
        const float fx1 = std::clamp(b.x1 / s, 0.0f, feat_width - 1.0f), fx2 = std::clamp(b.x2 / s, 0.0f, feat_width - 1.0f);
        const float fy1 = std::clamp(b.y1 / s, 0.0f, feat_height - 1.0f), fy2 = std::clamp(b.y2 / s, 0.0f, feat_height - 1.0f);
        const float feat_w = fx2 - fx1, feat_h = fy2 - fy1;
        const int cx = std::clamp(static_cast<int>((b.x1 + b.x2) / 2.0f / s), 0, feat_width - 1);
        const int cy = std::clamp(static_cast<int>((b.y1 + b.y2) / 2.0f / s), 0, feat_height - 1);

        const int h_alpha = static_cast<int>(feat_h / 2.0f * params.alpha),
                  w_alpha = static_cast<int>(feat_w / 2.0f * params.alpha);
        float* hm = t.heatmap.data() + plane * b.cls;
        for_each_gaussian_cell(cx, cy, h_alpha, w_alpha, feat_width, feat_height,
                               [&](std::size_t i, float v) { hm[i] = std::max(hm[i], v); });

        const int h_beta = static_cast<int>(feat_h / 2.0f * params.beta), w_beta = static_cast<int>(feat_w / 2.0f * params.beta);
        double sum = 0;
        for_each_gaussian_cell(cx, cy, h_beta, w_beta, feat_width, feat_height, [&](std::size_t, float v) { sum += v; });
        if (sum <= 0) continue;
        const double log_area = std::log(static_cast<double>(area(b)));
        for_each_gaussian_cell(cx, cy, h_beta, w_beta, feat_width, feat_height, [&](std::size_t i, float v) {
            if (v <= 0) return;
            t.box_target[i] = b.x1;
            t.box_target[plane + i] = b.y1;
            t.box_target[2 * plane + i] = b.x2;
            t.box_target[3 * plane + i] = b.y2;
            t.reg_weight[i] = static_cast<float>(v * log_area / sum);
        });
    }
    return t;
}

BatchTargets make_batch_targets(const std::vector<std::vector<Box>>& boxes, int input_width, int input_height,
                                const TargetParams& params, const std::vector<std::vector<Box>>& crowd) {
    const int fw = input_width / params.stride, fh = input_height / params.stride;
    const int64_t n = static_cast<int64_t>(boxes.size());
    BatchTargets bt;
    bt.heatmap = torch::zeros({n, params.num_classes, fh, fw});
    bt.box_target = torch::zeros({n, 4, fh, fw});
    bt.reg_weight = torch::zeros({n, 1, fh, fw});
    const bool any_crowd = std::any_of(crowd.begin(), crowd.end(), [](const std::vector<Box>& c) { return !c.empty(); });
    if (any_crowd) bt.heatmap_ignore = torch::zeros({n, 1, fh, fw});
    for (int64_t i = 0; i < n; ++i) {
        const std::size_t k = static_cast<std::size_t>(i);
        const ImageTargets t = make_image_targets(boxes[k], fw, fh, params, k < crowd.size() ? crowd[k] : std::vector<Box>{});
        std::copy(t.heatmap.begin(), t.heatmap.end(), bt.heatmap[i].data_ptr<float>());
        std::copy(t.box_target.begin(), t.box_target.end(), bt.box_target[i].data_ptr<float>());
        std::copy(t.reg_weight.begin(), t.reg_weight.end(), bt.reg_weight[i].data_ptr<float>());
        if (any_crowd) std::copy(t.heatmap_ignore.begin(), t.heatmap_ignore.end(), bt.heatmap_ignore[i].data_ptr<float>());
    }
    return bt;
}

} // namespace ttfnet
