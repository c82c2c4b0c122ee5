// The Gradient flow view's state: which activation the particles go through, the animation clock,
// the samples drawn from the replay's current record, and the what-if simulation (core's
// channel_sim.h) with its own playback. flow_view.h draws it; the step and channel are the Replay
// view's (ReplayState::timeline, ReplayState::channel), so both views always show the same moment.
#pragma once

#include "deadzone/activation.h"
#include "deadzone/channel_sim.h"
#include "deadzone/gradient_flow.h"

#include <array>
#include <cstdint>
#include <vector>

namespace deadzone::explorer {

// A simulation's per-step numbers as plot columns (x = step), per channel.
struct SimColumns {
    std::vector<double> step;
    std::array<std::vector<double>, kSimChannels> pre_min, pre_max, pre_mean, bias, distance;
};

// The what-if's settings as the user set them, and the simulation they gave.
struct WhatIf {
    ChannelSimConfig config;
    bool features_from_run = false;    // feature_scale was estimated from the primary run's first record
    bool feature_scale_chosen = false; // the user set feature_scale: never estimated again
    ChannelSimResult result;
    SimColumns columns;
    double x_min = 0, x_max = 1; // the what-if plots' visible step range
    bool x_auto = true;
    bool dirty = true; // settings changed: rerun before drawing
    int runs = 0;      // simulations run so far (the tests wait for it to move)
    int step = 1;      // the simulated step shown (1 .. config.steps)
    bool playing = true;
    float steps_per_second = 40.0f;
    double carry = 0; // fractional steps accumulated while playing
};

struct FlowState {
    ActivationKind activation = ActivationKind::ReLU; // what the particle canvas shows
    // Each kind's parameter (LeakyReLU's slope, ...), kept when the user switches kinds.
    std::array<double, kActivationCount> params{};
    bool params_initialised = false;
    int activation_of_run = -1; // the run whose own activation `activation` was last set to
    bool animating = true;      // particles move (key P pauses)
    double phase = 0;           // 0..1 through one forward (0..0.5) and backward (0.5..1) pass
    float cycle_seconds = 3.0f;
    double last_ms = 0;

    // Samples of the primary run's record at the current step (kGradientSamples of them), recomputed
    // only when that record's histogram changes (another run, step or channel, or a live run's file
    // rewritten with new values under the same step).
    telemetry::Histogram samples_of;
    bool samples_valid = false;
    std::vector<double> samples;
    // The Replay view's particle panel animates only while hovered or while the replay plays, so an
    // idle Replay tab draws no frames (the Gradient flow view animates whenever it is shown).
    bool replay_panel_hovered = false;

    WhatIf what_if;

    Activation selected() const { return {activation, params[static_cast<int>(activation)]}; }
};

} // namespace deadzone::explorer
