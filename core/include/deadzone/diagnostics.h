// The rules DeadZone uses to call a channel dead, shared by the trainer's telemetry and the
// explorer so both flag exactly the same channels.
#pragma once

#include "deadzone/channel_stats.h"
#include "deadzone/telemetry.h"

#include <cstdint>
#include <vector>

namespace deadzone {

struct DeadZoneThresholds {
    double gamma_eps = 1e-3;   // |gamma| below this counts as zero
    double running_eps = 1e-3; // |running mean| and running var below this count as zero
};

// BN followed by ReLU outputs beta + gamma * x_hat: with gamma ~ 0 and beta < 0 it is always < 0,
// so the ReLU after it never fires and no gradient reaches gamma again.
bool bn_gamma_dead_zone(double gamma, double beta, const DeadZoneThresholds& t = {});

// In eval mode BN outputs beta + gamma * (x - mean) / sqrt(var + eps); a channel whose input was
// always ~0 during training has mean ~ 0 and var ~ 0, so its output is beta < 0: dead after ReLU.
bool bn_running_dead_zone(double running_mean, double running_var, double beta, const DeadZoneThresholds& t = {});

// A channel is dead on a batch when every value of its output is exactly zero (and there was at
// least one value). NaNs are not zeros, so a NaN channel is not "dead" but broken.
bool channel_is_dead(const ChannelStats& post_activation);

// The wh channels that were dead at the end of a (possibly killed) run, with the first step of the
// death that lasted: from the end record when present, otherwise replayed from the events.
std::vector<telemetry::DeadChannel> final_dead_channels(const telemetry::Run& run);

// How bad an activation layer's share of dead units is: OK below 10%, WARNING below 50%, CRITICAL
// from 50% (a dead unit is zero for every sample of the batch; telemetry.h frac_dead_units).
enum class DeadLevel { Ok, Warning, Critical };
DeadLevel dead_level(double frac_dead_units);
const char* dead_level_name(DeadLevel level); // "OK", "WARNING", "CRITICAL"

// For each BN layer of the step records (in the order of StepRecord::bn), the first recorded step
// at which a dead-zone pattern fired in it (dead_gamma or dead_running non-empty); -1 when never.
std::vector<std::int64_t> bn_first_fired(const telemetry::Run& run);

} // namespace deadzone
