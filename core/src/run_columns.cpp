#include "deadzone/run_columns.h"

#include <algorithm>
#include <limits>

namespace deadzone::telemetry {

namespace {

// One row per enum value, in enum order (static_asserts below keep them in step).
constexpr MetricInfo kRunMetrics[] = {
    {"heatmap loss", "Gaussian focal loss of the heatmap head on this step's batch"},
    {"wh loss", "GIoU loss of the boxes decoded from the wh head, weighted by the Gaussian targets"},
    {"total loss", "heatmap loss + wh loss (what the optimizer minimises)"},
    {"learning rate", "the SGD learning rate at this step (warm-up, then decay)"},
    {"gradient norm", "global L2 norm of all parameter gradients, before clipping"},
};
constexpr MetricInfo kWhMetrics[] = {
    {"pre min", "smallest pre-activation (final wh conv output) over the batch"},
    {"pre mean", "mean pre-activation over the batch"},
    {"pre max", "largest pre-activation over the batch: below 0 means ReLU outputs 0 for every sample"},
    {"fraction > 0", "share of pre-activations above 0: the units through which ReLU passes gradient"},
    {"post max", "largest output after the activation, times wh_offset_base (pixels at input scale)"},
    {"post mean", "mean output after the activation, times wh_offset_base"},
    {"fraction zero", "share of outputs that are exactly 0 after the activation"},
    {"bias", "bias of the final wh conv for this channel"},
    {"weight std", "standard deviation of the final wh conv's weights for this channel"},
    {"gradient norm", "L2 norm of the loss gradient reaching this channel's final conv weights and bias"},
};
static_assert(sizeof(kRunMetrics) / sizeof(kRunMetrics[0]) == static_cast<std::size_t>(RunMetric::Count));
static_assert(sizeof(kWhMetrics) / sizeof(kWhMetrics[0]) == static_cast<std::size_t>(WhMetric::Count));

double wh_value(const WhChannelRecord& w, WhMetric m) {
    switch (m) {
    case WhMetric::PreMin: return w.pre_min;
    case WhMetric::PreMean: return w.pre_mean;
    case WhMetric::PreMax: return w.pre_max;
    case WhMetric::PreFracPos: return w.pre_frac_pos;
    case WhMetric::PostMax: return w.post_max;
    case WhMetric::PostMean: return w.post_mean;
    case WhMetric::PostFracZero: return w.post_frac_zero;
    case WhMetric::Bias: return w.bias;
    case WhMetric::WeightStd: return w.weight_std;
    case WhMetric::GradNorm: return w.grad_norm;
    case WhMetric::Count: break;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

double run_value(const StepRecord& s, RunMetric m) {
    switch (m) {
    case RunMetric::LossHeatmap: return s.losses.heatmap;
    case RunMetric::LossWh: return s.losses.wh;
    case RunMetric::LossTotal: return s.losses.total;
    case RunMetric::Lr: return s.lr;
    case RunMetric::GradNorm: return s.grad_norm;
    case RunMetric::Count: break;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

} // namespace

const MetricInfo& metric_info(RunMetric m) { return kRunMetrics[static_cast<std::size_t>(m)]; }
const MetricInfo& metric_info(WhMetric m) { return kWhMetrics[static_cast<std::size_t>(m)]; }

void extend_columns(const Run& run, RunColumns& columns) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = columns.rows(); i < run.steps.size(); ++i) {
        const StepRecord& s = run.steps[i];
        columns.step.push_back(static_cast<double>(s.step));
        for (std::size_t m = 0; m < columns.run.size(); ++m) columns.run[m].push_back(run_value(s, static_cast<RunMetric>(m)));
        for (int c = 0; c < kWhChannels; ++c) {
            const WhChannelRecord* w = find_wh_channel(s, c);
            for (std::size_t m = 0; m < columns.wh[c].size(); ++m)
                columns.wh[c][m].push_back(w != nullptr ? wh_value(*w, static_cast<WhMetric>(m)) : nan);
        }
    }
}

const WhChannelRecord* find_wh_channel(const StepRecord& s, int channel) {
    for (const WhChannelRecord& w : s.wh_channels)
        if (w.channel == channel) return &w;
    return nullptr;
}

std::size_t record_at(const std::vector<StepRecord>& steps, std::int64_t step) {
    const auto it =
        std::upper_bound(steps.begin(), steps.end(), step, [](std::int64_t v, const StepRecord& r) { return v < r.step; });
    return it == steps.begin() ? 0 : static_cast<std::size_t>(it - steps.begin()) - 1;
}

} // namespace deadzone::telemetry
