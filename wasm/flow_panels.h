// The Gradient flow view's panels (flow_view.h lays them out). Each draws into the current ImGui
// window. Every number they show comes from core: activation.h, gradient_flow.h, channel_sim.h.
#pragma once

#include "app.h"

#include "deadzone/gradient_flow.h"
#include "deadzone/telemetry.h"

#include <imgui.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace deadzone::explorer {

// Colours that stay apart for colour-blind readers (Okabe & Ito's palette): gradient that passes is
// blue, a forward value orange, a blocked sample grey and hollow; never red against green.
constexpr ImU32 kFlowPass = IM_COL32(86, 180, 233, 255), kFlowForward = IM_COL32(230, 159, 0, 255),
                kFlowBlocked = IM_COL32(150, 150, 150, 255), kFlowCurve = IM_COL32(240, 240, 240, 255),
                kFlowDerivative = IM_COL32(204, 121, 167, 255), kFlowZero = IM_COL32(255, 255, 255, 90);
// A panel's outline. Panels are outlined, not filled: with a software GPU (headless Chromium) every
// filled pixel costs frame time (bench/flow_bench.mjs), and a fill this close to the window's colour
// shows nothing an outline doesn't.
constexpr ImU32 kFlowPanelFrame = IM_COL32(255, 255, 255, 30);
// Segments of a particle's circle: at a radius of 3 px a hexagon with ImGui's anti-aliased fringe
// looks round, at under half the triangles of ImGui's default.
constexpr int kParticleSegments = 6;
// The same for text: a share that passes gradient, one that passes none (amber: a warning, never
// red against green), and secondary text.
const ImVec4 kFlowPassText(0.34f, 0.71f, 0.91f, 1.0f), kFlowWarnText(1.0f, 0.75f, 0.3f, 1.0f),
    kFlowDimText(0.6f, 0.63f, 0.68f, 1.0f);
// A colour with its alpha replaced (a in 0..1).
inline ImU32 with_alpha(ImU32 colour, float a) {
    return (colour & ~IM_COL32_A_MASK) | (static_cast<ImU32>(a < 0 ? 0 : a > 1 ? 255 : a * 255) << IM_COL32_A_SHIFT);
}

// flow_view.cpp: the data the panels share.
// The primary run's record of the replay's channel at the replay's step, or null.
const telemetry::WhChannelRecord* flow_channel_record(const AppState& state);
// kGradientSamples samples of that record's pre-activation histogram (cached in FlowState).
const std::vector<double>& flow_samples(AppState& state);

// A run's channel at `step` through the run's own activation (the header's wh_act): the share
// the "each run under its own activation" line and the state hook show. nullopt when the run has no
// record, no such channel, or an activation this build does not know.
struct RunPass {
    Activation activation;
    std::int64_t record_step = 0;
    double grad_norm = 0;
    GradientPass pass;
};
std::optional<RunPass> run_own_pass(const ReplayRun& run, std::int64_t step, int channel);
// Every activation of the table (kActivations order, FlowState's parameters) over `samples`.
std::array<GradientPass, kActivationCount> variant_passes(const FlowState& flow, const std::vector<double>& samples);

// flow_particles.cpp
// Samples travel forward through the selected activation's curve (input z on x, output on y), then
// the gradient travels back, scaled by f'(z): where f'(z) == 0 the particle stops, grey, at the
// curve. With the numbers below it: share passing gradient, mean |f'|, the recorded frac_pos.
// Returns whether the mouse is over the canvas.
bool draw_activation_particles(AppState& state, const Activation& act, ImVec2 size);
// The wh head as a graph (conv -> activation -> x wh_offset_base -> box decode -> GIoU loss) with
// the backward flow from the loss to each of the four channels, as wide as log10 of the channel's
// recorded gradient norm; a channel with no gradient is dark and says since when.
void draw_wh_head_graph(AppState& state, ImVec2 size);

// flow_view.cpp
// Every activation for the same distribution: f and f' curves, share passing gradient, mean |f'|.
void draw_variants_table(AppState& state);

// flow_what_if.cpp
// The what-if simulation: presets, sliders, the verdict, its plots and its batch at the shown step.
void draw_what_if(AppState& state);
// Reruns the simulation when its settings changed (cheap: ~300 steps x 64 anchors).
void update_what_if(AppState& state);

} // namespace deadzone::explorer
