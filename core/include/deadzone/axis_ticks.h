// Axis ticks for plots: "nice" values (1, 2 or 5 times a power of ten) on linear axes and powers
// of ten on log axes, as in Heckbert, "Nice numbers for graph labels" (Graphics Gems, 1990).
#pragma once

#include <string>
#include <vector>

namespace deadzone {

struct AxisTicks {
    std::vector<double> values; // ascending, all within [lo, hi]
    double step = 0;            // spacing on a linear axis; 10 on a log axis (one decade)
};

// At most about max_ticks ticks inside [lo, hi] (lo < hi, both finite). Empty otherwise.
AxisTicks linear_ticks(double lo, double hi, int max_ticks);
// Powers of ten inside [lo, hi] (0 < lo < hi); when the range spans less than a decade, the
// linear ticks of the range instead, so a log axis always has labels.
AxisTicks log_ticks(double lo, double hi, int max_ticks);
// A tick label with as many decimals as the step needs ("0.25", "1e-05", "2000").
std::string format_tick(double value, double step);

} // namespace deadzone
