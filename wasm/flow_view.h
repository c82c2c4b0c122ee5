// The Gradient flow view: why a ReLU channel stops learning, on the loaded run's own data. The
// replay's current record of one wh channel goes through the activation as animated particles
// (forward, then the gradient back, stopping where f'(z) = 0); the wh head as a graph with each
// channel's recorded gradient norm; every common activation compared on the same distribution; and
// a what-if simulation (core's channel_sim.h) with sliders. The step and channel are the Replay
// view's, so scrubbing either view moves both.
#pragma once

#include "app.h"

namespace deadzone::explorer {

// Draws the whole view into the current ImGui window (the app shell's, below the tab bar).
void draw_flow_view(AppState& state);
// The compact panel inside the Replay view: the particle canvas for the current step and channel.
void draw_flow_replay_panel(AppState& state);
// Animation clocks (particles, what-if playback); called every frame, drawn or not.
void advance_flow(AppState& state, double now_ms);
// Whether something on screen is animating, so the frame loop keeps drawing.
bool flow_animating(const AppState& state);
// Sets the activation the particles show (a test hook and the table's rows use it); the parameter
// is clamped to the table's range, NaN keeps the current one.
void set_flow_activation(AppState& state, ActivationKind kind, double param);

} // namespace deadzone::explorer
