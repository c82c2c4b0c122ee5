#include "deadzone/decimate.h"

#include <algorithm>
#include <cmath>

namespace deadzone {

std::vector<PlotColumn> decimate_min_max(const double* x, const double* y, std::size_t n, double x_begin, double x_end,
                                         int columns) {
    std::vector<PlotColumn> out;
    if (columns <= 0 || !(x_end > x_begin)) return out;
    out.resize(static_cast<std::size_t>(columns));
    const double scale = columns / (x_end - x_begin);
    const std::size_t first = static_cast<std::size_t>(std::lower_bound(x, x + n, x_begin) - x);
    for (std::size_t i = first; i < n && x[i] < x_end; ++i) {
        const int c = std::min(columns - 1, static_cast<int>((x[i] - x_begin) * scale));
        PlotColumn& col = out[static_cast<std::size_t>(c)];
        ++col.count;
        const double v = y[i];
        if (!std::isfinite(v)) {
            col.nonfinite = true;
            continue;
        }
        if (col.finite++ == 0) {
            col.y_min = col.y_max = col.y_first = v;
        } else {
            col.y_min = std::min(col.y_min, v);
            col.y_max = std::max(col.y_max, v);
        }
        col.y_last = v;
    }
    return out;
}

} // namespace deadzone
