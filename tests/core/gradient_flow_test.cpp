// Activation functions, their derivatives and the gradient share computed from a telemetry
// histogram (core/activation.h, core/gradient_flow.h). The comparison with LibTorch's autograd is in
// tests/trainer/activation_autograd_test.cpp; these tests need no LibTorch.
#include "deadzone/activation.h"
#include "deadzone/gradient_flow.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using namespace deadzone;

namespace {

// The histogram the trainer records: 16 equal bins over [min, max] of the values.
telemetry::Histogram histogram_of(const std::vector<double>& v, int bins = 16) {
    telemetry::Histogram h;
    h.lo = *std::min_element(v.begin(), v.end());
    h.hi = *std::max_element(v.begin(), v.end());
    h.counts.assign(static_cast<std::size_t>(bins), 0);
    const double width = (h.hi - h.lo) / bins;
    for (double x : v) {
        int b = width > 0 ? static_cast<int>((x - h.lo) / width) : 0;
        h.counts[static_cast<std::size_t>(std::clamp(b, 0, bins - 1))] += 1;
    }
    return h;
}

} // namespace

TEST(Activation, TableIsInEnumOrderAndNamesRoundTrip) {
    for (int i = 0; i < kActivationCount; ++i) {
        const ActivationInfo& a = kActivations[i];
        EXPECT_EQ(static_cast<int>(a.kind), i) << a.name;
        ASSERT_TRUE(activation_from_name(a.name).has_value()) << a.name;
        EXPECT_EQ(*activation_from_name(a.name), a.kind);
        EXPECT_EQ(*activation_from_name(a.id), a.kind);
    }
    EXPECT_EQ(*activation_from_name("leaky"), ActivationKind::LeakyReLU); // the trainer's --wh-act spelling
    EXPECT_FALSE(activation_from_name("tanh").has_value());
}

TEST(Activation, ReluPassesNoGradientAtOrBelowZero) {
    const Activation relu{ActivationKind::ReLU, 0};
    for (double x : {-1e300, -1.0, -1e-300, -0.0, 0.0}) {
        EXPECT_EQ(activate(relu, x), 0.0) << x;
        EXPECT_EQ(activation_derivative(relu, x), 0.0) << x;
        EXPECT_TRUE(blocks_gradient(relu, x)) << x;
    }
    EXPECT_EQ(activation_derivative(relu, 1e-300), 1.0);
    EXPECT_TRUE(std::isnan(activation_derivative(relu, NAN)));
}

TEST(Activation, VariantsPassGradientOnTheNegativeSide) {
    for (ActivationKind k : {ActivationKind::LeakyReLU, ActivationKind::PReLU, ActivationKind::ELU, ActivationKind::GELU,
                             ActivationKind::SiLU, ActivationKind::Softplus}) {
        const Activation act = Activation::with_default(k);
        // Not necessarily positive: GELU's and SiLU's derivatives dip below 0 under about -0.75.
        for (double x : {-3.0, -0.5, -1e-6, 0.0})
            EXPECT_NE(activation_derivative(act, x), 0.0) << activation_info(k).name << " at " << x;
    }
    // The values at 0 that LibTorch's backward kernels give (activation.h).
    EXPECT_EQ(activation_derivative({ActivationKind::LeakyReLU, 0.1}, 0.0), 0.1);
    EXPECT_EQ(activation_derivative({ActivationKind::ELU, 1.0}, 0.0), 1.0);
    EXPECT_DOUBLE_EQ(activation_derivative({ActivationKind::GELU, 0}, 0.0), 0.5);
    EXPECT_DOUBLE_EQ(activation_derivative({ActivationKind::SiLU, 0}, 0.0), 0.5);
    EXPECT_DOUBLE_EQ(activation_derivative({ActivationKind::Softplus, 1.0}, 0.0), 0.5);
    EXPECT_DOUBLE_EQ(activate({ActivationKind::Softplus, 1.0}, 0.0), std::log(2.0));
}

TEST(Activation, DerivativeMatchesCentralDifferencesAwayFromKinks) {
    for (const ActivationInfo& info : kActivations) {
        const Activation act{info.kind, info.param_default};
        for (double x = -6.0; x <= 6.0; x += 0.37) {
            const double h = 1e-6;
            const double numeric = (activate(act, x + h) - activate(act, x - h)) / (2 * h);
            EXPECT_NEAR(activation_derivative(act, x), numeric, 1e-6) << info.name << " at " << x;
        }
    }
}

TEST(GradientFlow, HistogramSamplesFollowTheCounts) {
    telemetry::Histogram h{-1.0, 3.0, {1, 0, 3, 0}}; // bins [-1,0) [0,1) [1,2) [2,3): a quarter below 0
    const std::vector<double> s = histogram_samples(h, 400);
    ASSERT_EQ(s.size(), 400u);
    EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
    EXPECT_EQ(std::count_if(s.begin(), s.end(), [](double x) { return x < 0; }), 100);
    EXPECT_EQ(std::count_if(s.begin(), s.end(), [](double x) { return x >= 0 && x < 1; }), 0); // an empty bin gets none
    EXPECT_EQ(std::count_if(s.begin(), s.end(), [](double x) { return x >= 1 && x < 2; }), 300);
    // Degenerate and invalid histograms.
    EXPECT_EQ(histogram_samples({-0.004, -0.004, {0, 7, 0}}, 5), std::vector<double>(5, -0.004));
    EXPECT_TRUE(histogram_samples({0, 1, {0, 0}}, 5).empty());
    EXPECT_TRUE(histogram_samples({NAN, 1, {1}}, 5).empty());
    EXPECT_TRUE(histogram_samples(h, 0).empty());
}

// The share shown for a histogram against the same numbers computed directly on the raw values the
// histogram was made from: they agree to within the mass of the one bin that straddles 0.
TEST(GradientFlow, ShareFromHistogramMatchesDirectComputationOnSamples) {
    std::mt19937_64 rng(7);
    for (double mean : {-0.3, -0.05, 0.0, 0.02, 0.4}) {
        std::normal_distribution<double> normal(mean, 0.1);
        std::vector<double> raw(20000);
        for (double& x : raw) x = normal(rng);
        const telemetry::Histogram h = histogram_of(raw);
        for (const ActivationInfo& info : kActivations) {
            const Activation act{info.kind, info.param_default};
            const GradientPass direct = gradient_pass(act, raw), from_hist = gradient_pass(act, h);
            const std::size_t zero_bin = static_cast<std::size_t>(std::clamp((0 - h.lo) / histogram_bin_width(h), 0.0, 15.0));
            const double straddle = static_cast<double>(h.counts[zero_bin]) / raw.size();
            EXPECT_NEAR(from_hist.share, direct.share, straddle + 1e-3) << info.name << " mean " << mean;
            EXPECT_NEAR(from_hist.mean_abs_derivative, direct.mean_abs_derivative, straddle + 0.01)
                << info.name << " mean " << mean;
            EXPECT_NEAR(from_hist.mean_output, direct.mean_output, 0.01) << info.name << " mean " << mean;
        }
    }
}

TEST(GradientFlow, AllNegativeDistributionPassesExactlyNothingUnderRelu) {
    // A dead channel's record: every pre-activation in [-0.052, -0.043].
    const telemetry::Histogram dead{-0.052, -0.043, {3, 9, 20, 50, 120, 300, 900, 1800, 2500, 1900, 700, 200, 90, 30, 8, 2}};
    const GradientPass relu = gradient_pass({ActivationKind::ReLU, 0}, dead);
    EXPECT_EQ(relu.share, 0.0);
    EXPECT_EQ(relu.mean_abs_derivative, 0.0);
    EXPECT_EQ(relu.samples, static_cast<std::size_t>(kGradientSamples));
    const GradientPass softplus = gradient_pass(Activation::with_default(ActivationKind::Softplus), dead);
    EXPECT_EQ(softplus.share, 1.0);
    EXPECT_NEAR(softplus.mean_abs_derivative, 0.488, 0.002); // sigmoid(-0.048)
    const GradientPass leaky = gradient_pass({ActivationKind::LeakyReLU, 0.1}, dead);
    EXPECT_EQ(leaky.share, 1.0);
    EXPECT_NEAR(leaky.mean_abs_derivative, 0.1, 1e-12);
}

TEST(GradientFlow, NonFiniteSamplesAreSkipped) {
    const std::vector<double> v{NAN, 1.0, -1.0, INFINITY, -INFINITY};
    const GradientPass p = gradient_pass({ActivationKind::ReLU, 0}, v);
    EXPECT_EQ(p.samples, 2u);
    EXPECT_DOUBLE_EQ(p.share, 0.5);
    EXPECT_EQ(gradient_pass({ActivationKind::ReLU, 0}, std::vector<double>{}).samples, 0u);
}
