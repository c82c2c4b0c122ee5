// Text labels next to boxes, placed so that no label covers another (the explorer's detection
// labels: "person 0.42 | IoU 0.81" over crowded boxes).
//
// Greedy, in the order given (pass the most important first, e.g. by score): each label takes the
// first candidate position that lies inside `bounds` and overlaps no label placed before it:
//   1. above the box, left-aligned      2. inside the box, top-left     3. below the box, left-aligned
//   4. above the box, right-aligned     5. inside the box, bottom-left
// A candidate that would stick out left or right of `bounds` is slid back inside. A label with no
// free candidate is not shown (the explorer shows it when its box is hovered). Units are whatever
// the caller uses (screen pixels in the explorer); O(n^2) in the number of labels.
#pragma once

#include <vector>

namespace deadzone {

struct LayoutRect {
    float x0 = 0, y0 = 0, x1 = 0, y1 = 0; // x0 <= x1, y0 <= y1
};

struct LabelRequest {
    LayoutRect box;              // what the label names
    float width = 0, height = 0; // the label's size
};

struct LabelPlacement {
    bool shown = false;
    float x = 0, y = 0; // top-left corner, when shown
};

// True when the rectangles share interior area (touching edges do not overlap).
bool rects_overlap(const LayoutRect& a, const LayoutRect& b);

// One placement per request, in the same order.
std::vector<LabelPlacement> place_labels(const std::vector<LabelRequest>& labels, const LayoutRect& bounds);

} // namespace deadzone
