// Polyline simplification for drawing: drop the points a line would pass within a fraction of a
// pixel of anyway.
//
// With a software rasteriser (headless Chromium's SwiftShader), every triangle of a frame costs
// time, and a plot's lines are many of them: a flat or straight stretch of a series (a dead
// channel's zeros, a bias settling) costs as many as a noisy one. Dropping the interior points of
// such stretches leaves the drawn picture unchanged to within `tolerance` pixels.
#pragma once

#include <cstddef>

namespace deadzone {

struct Point2f {
    float x = 0, y = 0; // pixels
};

// Simplifies points[0, n) in place and returns the number kept (<= n). The first and last points are
// always kept; an interior point is dropped only when it lies within `tolerance` pixels (distance to
// the segment, not the line) of the segment joining the kept points around it, checked for every
// dropped point of that segment, so the error never accumulates along a slow curve. Greedy, in the
// spirit of Lang's algorithm: a segment grows while every point it skips is close, up to `max_skip`
// points (the cost is O(n * max_skip)). tolerance <= 0 or NaN keeps every point; non-finite points are
// never dropped.
std::size_t simplify_polyline(Point2f* points, std::size_t n, float tolerance, std::size_t max_skip = 64);

} // namespace deadzone
