// The Replay view: training telemetry step by step. A toolbar to open, overlay and follow runs; a
// timeline (play/pause, speed, step, scrub, jump to events; space, arrows, Home/End); the death
// captions; plots of the selected wh channel and of the whole run over steps; and, at the current
// step, the channels, events, BN dead zones and dead units (replay_panels.h).
#pragma once

#include "app.h"

#include <cstdint>

namespace deadzone::explorer {

// Draws the whole view into the current ImGui window (the app shell's, below the tab bar).
void draw_replay_view(AppState& state);
// The timeline bar (play/pause, speed, step, scrub, jump to events; space, arrows, Home/End), shared
// by the Replay and Gradient flow views. Draws nothing while no run has step records.
void draw_replay_timeline(AppState& state);
// Playback: advances the timeline while playing (called every frame, drawn or not).
void advance_replay(AppState& state, double now_ms);
// Called once a frame has been drawn: stamps ReplayRun::shown_ms on runs that are whole (not loading)
// and were on screen in it for the first time (the Replay view was the one drawn).
void note_replay_frame_drawn(AppState& state, double now_ms);
// Moves the timeline to `step` (clamped to the loaded runs) and pauses.
void set_replay_step(AppState& state, std::int64_t step);
// The colour of loaded run number `colour` (ReplayRun::colour).
unsigned replay_run_colour(int colour, int alpha = 255);

} // namespace deadzone::explorer
