// A run's step records as columns — one vector per plotted quantity — for plots and scrubbing.
//
// The explorer plots thousands of steps for several quantities every frame; walking the record
// structs for each would touch every record's vectors. Columns are contiguous and are extended,
// never rebuilt, as a live run appends records. The metric tables below are the one place that
// names each quantity and says what it means (plot labels and tooltips use them).
#pragma once

#include "deadzone/telemetry.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace deadzone::telemetry {

// Whole-run quantities of a step record.
enum class RunMetric { LossHeatmap, LossWh, LossTotal, Lr, GradNorm, Count };
// Per wh channel quantities of a step record (WhChannelRecord).
enum class WhMetric { PreMin, PreMean, PreMax, PreFracPos, PostMax, PostMean, PostFracZero, Bias, WeightStd, GradNorm, Count };

struct MetricInfo {
    const char* name;    // short label, e.g. "pre max"
    const char* meaning; // one sentence in the field's terms, for tooltips
};
// The name and meaning of a quantity (m < Count).
const MetricInfo& metric_info(RunMetric m);
const MetricInfo& metric_info(WhMetric m);

struct RunColumns {
    std::vector<double> step; // x of every column, ascending as in the file
    std::array<std::vector<double>, static_cast<std::size_t>(RunMetric::Count)> run;
    std::array<std::array<std::vector<double>, static_cast<std::size_t>(WhMetric::Count)>, kWhChannels> wh;

    std::size_t rows() const { return step.size(); }
    const std::vector<double>& of(RunMetric m) const { return run[static_cast<std::size_t>(m)]; }
    const std::vector<double>& of(WhMetric m, int channel) const { return wh[channel][static_cast<std::size_t>(m)]; }
};

// Appends a row for each of run.steps[columns.rows()..]: call it again after more records arrive.
// A record with fewer than four wh channels gets NaN in the missing ones (NaN is drawn as a gap).
void extend_columns(const Run& run, RunColumns& columns);

// The record of wh channel `channel` (0..3) in a step record, or null when the record has none
// (the first one when a malformed record repeats a channel).
const WhChannelRecord* find_wh_channel(const StepRecord& s, int channel);

// Index of the last step record whose step is <= `step` (records are in step order); 0 when the
// step is before the first record. Run must have at least one step record.
std::size_t record_at(const std::vector<StepRecord>& steps, std::int64_t step);

} // namespace deadzone::telemetry
