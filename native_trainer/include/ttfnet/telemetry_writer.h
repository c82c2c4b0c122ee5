// Trainer side of the telemetry (format: core/include/deadzone/telemetry.h).
//
// collect_* turn LibTorch tensors into core/'s record structs (per-channel statistics through
// core/'s ChannelStats, dead-zone rules through core/'s diagnostics), TelemetryWriter appends one
// JSON line per record and flushes it, so a killed run can be replayed up to the kill.
#pragma once

#include "ttfnet/model/ttfnet.h"

#include "deadzone/result.h"
#include "deadzone/telemetry.h"

#include <cstdio>
#include <string>

namespace ttfnet {

class TelemetryWriter {
public:
    TelemetryWriter() = default;
    ~TelemetryWriter();
    TelemetryWriter(const TelemetryWriter&) = delete;
    TelemetryWriter& operator=(const TelemetryWriter&) = delete;

    // Starts a new file with the header.
    deadzone::Result<bool> create(const std::string& path, const deadzone::telemetry::Header& header);
    // Continues a resumed run's file: keeps the header and every record up to and including
    // `step` (later ones were not part of the checkpointed run), drops a cut-off last line.
    // Falls back to create() when the file does not exist.
    deadzone::Result<bool> resume(const std::string& path, const deadzone::telemetry::Header& header, std::int64_t step);

    void write_line(const std::string& line);
    template <typename Record>
    void write(const Record& r) {
        write_line(deadzone::telemetry::to_json_line(r));
    }
    bool is_open() const { return file_ != nullptr; }

private:
    std::FILE* file_ = nullptr;
};

// The activation and BN layers step records report on (runs one tiny forward pass with a tap).
std::vector<deadzone::telemetry::LayerInfo> telemetry_layers(TtfNetImpl& model);

struct StepInputs {
    std::int64_t step = 0;
    double time_s = 0, ms_per_step = 0, lr = 0, grad_norm = 0;
    deadzone::telemetry::Losses losses;
    const TtfOutput* output = nullptr;  // this step's forward pass
    const ActivationTap* tap = nullptr; // may be null: no activation records
    // Activation records made elsewhere (data parallel: over every rank's samples), used instead of
    // the tap's when not null.
    const std::vector<deadzone::telemetry::ActivationRecord>* activations = nullptr;
};

// Which units of an activation's output [N, C, spatial...] are active on some sample: not exactly
// zero (a NaN counts as active), core's batch_dead_units rule kept as a mask so that ranks can
// combine theirs (element-wise max) before counting. -> [C * spatial] uint8, 1 = active.
torch::Tensor unit_activity(const torch::Tensor& activation);

// The activation record of a layer from its combined activity mask ([C * spatial] uint8), counted
// by core's batch_dead_units as one sample.
deadzone::telemetry::ActivationRecord activation_record_from_activity(const std::string& layer, const torch::Tensor& activity,
                                                                      std::int64_t channels);

constexpr int kWhHistogramBins = 16;

deadzone::telemetry::StepRecord collect_step_record(TtfNetImpl& model, const StepInputs& in);

// Per wh channel: is its output zero for every value of this batch (core/'s rule)?
std::vector<bool> dead_wh_channels(const torch::Tensor& wh);

} // namespace ttfnet
