#include "deadzone/axis_ticks.h"

#include <cmath>
#include <cstdio>

namespace deadzone {

namespace {

// The nice number (1, 2, 5 or 10 times a power of ten) closest above x.
double nice_step(double x) {
    const double p = std::pow(10.0, std::floor(std::log10(x)));
    const double f = x / p;
    return (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) * p;
}

} // namespace

AxisTicks linear_ticks(double lo, double hi, int max_ticks) {
    AxisTicks t;
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi) || max_ticks < 2) return t;
    t.step = nice_step((hi - lo) / (max_ticks - 1));
    if (!(t.step > 0) || !std::isfinite(t.step)) return t;
    const double first = std::ceil(lo / t.step - 1e-9);
    for (double k = first;; k += 1.0) {
        double v = k * t.step;
        if (v > hi + t.step * 1e-9) break;
        if (std::abs(v) < t.step * 1e-9) v = 0.0; // no "-0" or "1e-17" at zero
        t.values.push_back(v);
        if (t.values.size() > static_cast<std::size_t>(max_ticks) * 2) break; // rounding guard
    }
    return t;
}

AxisTicks log_ticks(double lo, double hi, int max_ticks) {
    if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi)) return {};
    const int d0 = static_cast<int>(std::ceil(std::log10(lo) - 1e-9)), d1 = static_cast<int>(std::floor(std::log10(hi) + 1e-9));
    if (d1 - d0 < 1) return linear_ticks(lo, hi, max_ticks);
    AxisTicks t;
    t.step = 10.0;
    const int every = std::max(1, (d1 - d0 + 1 + max_ticks - 1) / std::max(1, max_ticks)); // thin out many decades
    for (int d = d0; d <= d1; d += every) t.values.push_back(std::pow(10.0, d));
    return t;
}

std::string format_tick(double value, double step) {
    char buf[32];
    if (value == 0.0) return "0";
    const double a = std::abs(value);
    if (a >= 1e6 || a < 1e-4 || (step >= 1.0 && a < 1.0)) { // the last: decades below 1 on a log axis
        std::snprintf(buf, sizeof buf, "%.3g", value);
        return buf;
    }
    int decimals = step > 0 && step < 1 ? static_cast<int>(std::ceil(-std::log10(step) - 1e-9)) : 0;
    if (decimals > 8) decimals = 8;
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

} // namespace deadzone
