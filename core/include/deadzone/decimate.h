// Min/max decimation of a series for drawing: one entry per pixel column.
//
// A plot 800 pixels wide cannot show 100k points, and drawing them all costs 100x the time of
// drawing 1k. Reducing each pixel column to the min and max of the points that fall in it draws
// the same picture (every spike stays visible) in time proportional to the width. Non-finite
// values (a NaN loss) are never averaged away: their column says so, so the plot can mark it.
#pragma once

#include <cstddef>
#include <vector>

namespace deadzone {

struct PlotColumn {
    int count = 0;                  // points in the column (finite or not)
    int finite = 0;                 // finite points among them
    double y_min = 0, y_max = 0;    // over the finite points; 0 when there are none
    double y_first = 0, y_last = 0; // first and last finite point (for joining neighbours)
    bool nonfinite = false;         // a NaN or Inf fell in this column
};

// Columns of equal width over [x_begin, x_end): point i lands in column
// floor((x[i] - x_begin) / (x_end - x_begin) * columns). x must be ascending (steps of a run);
// points outside the range are ignored and found by binary search, so a zoomed-in view of a long
// run costs only its visible points. Returns `columns` entries (empty when columns <= 0 or the
// range is empty).
std::vector<PlotColumn> decimate_min_max(const double* x, const double* y, std::size_t n, double x_begin, double x_end,
                                         int columns);

} // namespace deadzone
