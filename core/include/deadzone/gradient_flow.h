// How much gradient an activation lets back through, for a channel's pre-activation distribution:
// the numbers behind the explorer's gradient-flow view ("this distribution under ReLU: 0% of samples
// get gradient; under Softplus: 100%, mean |f'| 0.46").
//
// The telemetry records a channel's pre-activations as a 16-bin histogram over [min, max]
// (telemetry.h). The view draws particles from it and every number it shows is computed from the
// same deterministic sample set: histogram_samples() places n samples at the histogram's stratified
// quantiles (linear inside a bin), so the numbers do not flicker from frame to frame and the test
// can compare them with a direct computation on the raw values the histogram was made from.
#pragma once

#include "deadzone/activation.h"
#include "deadzone/telemetry.h"

#include <cstddef>
#include <optional>
#include <vector>

namespace deadzone {

// n samples of the histogram's distribution: sample k sits at the quantile (k + 0.5) / n of the
// piecewise-uniform density the counts describe (each bin uniform over its width). Ascending.
// Empty when n <= 0, the counts sum to 0, or lo/hi are not finite. A histogram with lo == hi (every
// recorded value equal, as in a dead channel whose inputs are all ~0) gives n copies of lo.
std::vector<double> histogram_samples(const telemetry::Histogram& hist, int n);

// What an activation does to the gradient over a set of pre-activation samples.
struct GradientPass {
    std::size_t samples = 0;        // finite samples counted
    double share = 0;               // fraction of them with f'(x) != 0: they pass gradient back, in [0, 1]
    double mean_abs_derivative = 0; // mean |f'(x)| over them: the factor the mean gradient is scaled by
    double mean_output = 0;         // mean f(x)
};

// Over the finite samples (NaN/Inf are skipped). All zero when there are none.
GradientPass gradient_pass(const Activation& act, const double* x, std::size_t n);
inline GradientPass gradient_pass(const Activation& act, const std::vector<double>& x) {
    return gradient_pass(act, x.data(), x.size());
}

// The activation a run's wh head used, from its telemetry header ("wh_act" with "leaky_slope" as
// LeakyReLU's slope; Softplus with beta 1, as the trainer builds it); nullopt for a name
// activation_from_name does not know.
std::optional<Activation> run_activation(const telemetry::VariantInfo& variant);

// The number of samples the view and the tests draw from a histogram: enough that one sample stands
// for < 0.1% of the distribution.
constexpr int kGradientSamples = 2048;

// gradient_pass over histogram_samples(hist, kGradientSamples).
GradientPass gradient_pass(const Activation& act, const telemetry::Histogram& hist);

// The width of one of the histogram's equal bins over [lo, hi]: the resolution to which a share
// computed from the histogram can match the raw samples' (a bin straddling 0 is split uniformly).
inline double histogram_bin_width(const telemetry::Histogram& h) {
    return h.counts.empty() ? 0.0 : (h.hi - h.lo) / static_cast<double>(h.counts.size());
}

} // namespace deadzone
