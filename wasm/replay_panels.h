// The Replay view's panels at the current step and its layer x step strips (replay_panels.cpp,
// history_strips.cpp). Each draws into the current ImGui window; clicking a row or a strip moves the
// timeline (set_replay_step).
#pragma once

#include "app.h"

#include <imgui.h>

namespace deadzone::explorer {

// replay_panels.cpp
void draw_channels_at_step(AppState& state); // the four wh channels' numbers, dead ones marked
void draw_events_list(AppState& state);      // deaths, revivals, NaN/Inf, rollbacks, checkpoints
void draw_bn_table(AppState& state);         // BN layers: gamma, beta, running stats, pattern fired
void draw_dead_units_table(AppState& state); // activation layers: dead-unit share, OK/WARNING/CRITICAL

// history_strips.cpp. Each is `height` pixels tall and follows the shared x range of the plots.
// The pre-activation distribution of the selected channel over training: recorded histograms as a
// density strip (steps on x, value on y, colour = count), with the zero line.
void draw_density_strip(AppState& state, float height);
// BN layers x steps: when each layer's dead-zone pattern fired (red share of its channels).
void draw_bn_strip(AppState& state, float height);
// Activation layers x steps: the dead-unit share, coloured by level.
void draw_dead_units_strip(AppState& state, float height);

} // namespace deadzone::explorer
