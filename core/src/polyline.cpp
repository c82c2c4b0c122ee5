#include "deadzone/polyline.h"

#include <cmath>

namespace deadzone {

namespace {

bool finite(Point2f p) { return std::isfinite(p.x) && std::isfinite(p.y); }

// Squared distance from p to the segment [a, b]; NaN when it overflows (coordinates far off screen),
// which the caller treats as "not close".
float distance_squared_to_segment(Point2f p, Point2f a, Point2f b) {
    const float dx = b.x - a.x, dy = b.y - a.y;
    const float len2 = dx * dx + dy * dy;
    float t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0.0f;
    t = t < 0 ? 0 : (t > 1 ? 1 : t);
    const float ex = a.x + t * dx - p.x, ey = a.y + t * dy - p.y;
    return ex * ex + ey * ey;
}

// Whether every point strictly between first and last lies within the tolerance of [first, last].
bool skipped_points_close(const Point2f* points, std::size_t first, std::size_t last, float tolerance2) {
    for (std::size_t k = first + 1; k < last; ++k)
        if (!finite(points[k]) || !(distance_squared_to_segment(points[k], points[first], points[last]) <= tolerance2))
            return false;
    return true;
}

} // namespace

std::size_t simplify_polyline(Point2f* points, std::size_t n, float tolerance, std::size_t max_skip) {
    if (n <= 2 || !(tolerance > 0) || max_skip == 0) return n;
    const float tolerance2 = tolerance * tolerance;
    std::size_t kept = 1;   // points[0, kept) are the output
    std::size_t anchor = 0; // input index of the last kept point
    while (anchor + 1 < n) {
        // Grow the segment from the anchor while the points it skips stay close.
        std::size_t end = anchor + 1;
        if (finite(points[anchor]))
            while (end + 1 < n && end - anchor <= max_skip && finite(points[end + 1]) &&
                   skipped_points_close(points, anchor, end + 1, tolerance2))
                ++end;
        points[kept++] = points[end];
        anchor = end;
    }
    return kept;
}

} // namespace deadzone
