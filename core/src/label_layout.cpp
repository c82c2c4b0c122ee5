#include "deadzone/label_layout.h"

#include <algorithm>

namespace deadzone {

bool rects_overlap(const LayoutRect& a, const LayoutRect& b) { return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1; }

std::vector<LabelPlacement> place_labels(const std::vector<LabelRequest>& labels, const LayoutRect& bounds) {
    std::vector<LabelPlacement> out(labels.size());
    std::vector<LayoutRect> placed;
    placed.reserve(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const LabelRequest& r = labels[i];
        const float w = r.width, h = r.height;
        const float candidates[][2] = {
            {r.box.x0, r.box.y0 - h},     {r.box.x0, r.box.y0},     {r.box.x0, r.box.y1},
            {r.box.x1 - w, r.box.y0 - h}, {r.box.x0, r.box.y1 - h},
        };
        for (const auto& c : candidates) {
            // Slide back inside horizontally (a box at the image's right edge keeps its label).
            const float x = std::max(bounds.x0, std::min(c[0], bounds.x1 - w)), y = c[1];
            const LayoutRect rect{x, y, x + w, y + h};
            if (rect.x0 < bounds.x0 || rect.x1 > bounds.x1 || rect.y0 < bounds.y0 || rect.y1 > bounds.y1) continue;
            if (std::any_of(placed.begin(), placed.end(), [&](const LayoutRect& p) { return rects_overlap(p, rect); })) continue;
            out[i] = {true, x, y};
            placed.push_back(rect);
            break;
        }
    }
    return out;
}

} // namespace deadzone
