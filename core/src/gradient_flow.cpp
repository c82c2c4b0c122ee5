#include "deadzone/gradient_flow.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace deadzone {

std::vector<double> histogram_samples(const telemetry::Histogram& hist, int n) {
    std::vector<double> out;
    if (n <= 0 || hist.counts.empty() || !std::isfinite(hist.lo) || !std::isfinite(hist.hi)) return out;
    double total = 0;
    for (std::int64_t c : hist.counts) total += static_cast<double>(std::max<std::int64_t>(c, 0));
    if (total <= 0) return out;
    out.reserve(static_cast<std::size_t>(n));
    const double width = (hist.hi - hist.lo) / static_cast<double>(hist.counts.size());
    std::size_t bin = 0;
    double below = 0; // counts in the bins before `bin`
    for (int k = 0; k < n; ++k) {
        const double q = (k + 0.5) / n * total;
        // Advance to the bin that holds quantile q (q rises with k, so one pass over the bins).
        while (bin + 1 < hist.counts.size() && below + static_cast<double>(std::max<std::int64_t>(hist.counts[bin], 0)) <= q) {
            below += static_cast<double>(std::max<std::int64_t>(hist.counts[bin], 0));
            ++bin;
        }
        const double in_bin = static_cast<double>(std::max<std::int64_t>(hist.counts[bin], 0));
        const double frac = in_bin > 0 ? std::min(1.0, std::max(0.0, (q - below) / in_bin)) : 0.5;
        out.push_back(hist.lo + (static_cast<double>(bin) + frac) * width);
    }
    return out;
}

GradientPass gradient_pass(const Activation& act, const double* x, std::size_t n) {
    GradientPass p;
    double passing = 0, sum_abs = 0, sum_out = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(x[i])) continue;
        const double d = activation_derivative(act, x[i]);
        passing += d != 0.0 ? 1.0 : 0.0;
        sum_abs += std::fabs(d);
        sum_out += activate(act, x[i]);
        ++p.samples;
    }
    if (p.samples == 0) return p;
    const double count = static_cast<double>(p.samples);
    p.share = passing / count;
    p.mean_abs_derivative = sum_abs / count;
    p.mean_output = sum_out / count;
    return p;
}

std::optional<Activation> run_activation(const telemetry::VariantInfo& variant) {
    const std::optional<ActivationKind> kind = activation_from_name(variant.wh_act);
    if (!kind) return std::nullopt;
    Activation act = Activation::with_default(*kind);
    if (*kind == ActivationKind::LeakyReLU) act.param = variant.leaky_slope;
    return act;
}

GradientPass gradient_pass(const Activation& act, const telemetry::Histogram& hist) {
    return gradient_pass(act, histogram_samples(hist, kGradientSamples));
}

} // namespace deadzone
