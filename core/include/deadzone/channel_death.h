// When and why wh channels died in a training run, read from its telemetry: the death marker and
// caption of the explorer's replay ("left: pre-activation < 0 for every sample from step 2 ...").
//
// The trainer checks every step and writes a "channel_death" event at the first step from which a
// channel's output is zero for every sample, and "channel_revived" when it comes back (telemetry.h).
// The step records (every step early on, then every telemetry_every) give the numbers at that step.
#pragma once

#include "deadzone/telemetry.h"

#include <cstdint>
#include <string>
#include <vector>

namespace deadzone {

struct DeathEpisode {
    int channel = 0;              // 0..3: left, top, right, bottom
    std::int64_t died_at = 0;     // first step with the output zero for every sample
    std::int64_t revived_at = -1; // step it came back; -1 when it stayed dead to the end of the file
};

// Every death of every wh channel, in event order. A death without a matching revival lasts to the
// end of the file; a revival without a death is ignored.
std::vector<DeathEpisode> death_episodes(const telemetry::Run& run);

// Whether the channel's output was zero for every sample at `step` (per the events).
bool channel_dead_at(const std::vector<DeathEpisode>& episodes, int channel, std::int64_t step);

// One line that says what happened, from the record at (or first after) the death step, e.g.
// "left: pre-activation < 0 for every sample from step 2 (max -0.004, bias -0.005, weight std
// 0.0009); gradient 0 since". The gradient clause reads every later record up to the revival:
// "gradient 0 since" only when all of them recorded exactly 0. A revival is appended
// ("; revived at step 350, pre-activation max 0.12").
std::string death_caption(const telemetry::Run& run, const DeathEpisode& episode);

} // namespace deadzone
