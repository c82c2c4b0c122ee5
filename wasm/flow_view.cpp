#include "flow_view.h"

#include "flow_panels.h"
#include "help_marker.h"
#include "replay_view.h"
#include "telemetry_loader.h"

#include "deadzone/gradient_flow.h"
#include "deadzone/prediction_dump.h" // wh_channel_name

#include <algorithm>
#include <cmath>
#include <string>

namespace deadzone::explorer {

namespace {

void init_params(FlowState& flow) {
    if (flow.params_initialised) return;
    for (const ActivationInfo& a : kActivations) flow.params[static_cast<int>(a.kind)] = a.param_default;
    flow.params[static_cast<int>(ActivationKind::LeakyReLU)] = 0.1; // the shipped leaky runs' slope
    flow.params_initialised = true;
}

// A mini plot of f (white) and f' (pink) over [-3, 3] for the table.
void draw_sparkline(const Activation& act, ImVec2 size) {
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImGui::Dummy(size);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float mid_x = o.x + size.x / 2;
    dl->AddLine(ImVec2(mid_x, o.y), ImVec2(mid_x, o.y + size.y), kFlowZero);
    const auto curve = [&](bool derivative, ImU32 colour) {
        ImVec2 points[41];
        for (int i = 0; i <= 40; ++i) {
            const double x = -3.0 + 6.0 * i / 40.0;
            const double v = derivative ? activation_derivative(act, x) : activate(act, x);
            // f over [-1.5, 3], f' over [-0.2, 1.3]: both readable in one small box.
            const double lo = derivative ? -0.2 : -1.5, hi = derivative ? 1.3 : 3.0;
            points[i] = ImVec2(o.x + size.x * i / 40.0f,
                               o.y + size.y - static_cast<float>((std::clamp(v, lo, hi) - lo) / (hi - lo)) * size.y);
        }
        dl->AddPolyline(points, 41, colour, ImDrawFlags_None, 1.0f);
    };
    curve(true, kFlowDerivative);
    curve(false, kFlowCurve);
}

void draw_source_bar(AppState& state) {
    ReplayState& replay = state.replay;
    if (replay.runs.empty()) {
        ImGui::TextColored(kFlowDimText, "No training run loaded: the particles need a run's recorded pre-activations.");
        if (!replay.shipped.empty()) {
            ImGui::SameLine();
            const std::string label =
                "Load the shipped runs (" + state.detect.default_pair[0] + " and " + state.detect.default_pair[1] + ")";
            if (ImGui::Button(label.c_str())) {
                open_shipped_replay(state);
                state.view = View::Flow; // stay here; the runs load in the background
            }
            remember_item_rect(state, "flow:load-shipped");
        }
        ImGui::TextColored(
            kFlowDimText,
            "Or drop a telemetry file (.jsonl / .jsonl.gz) anywhere on the page. The what-if below works without one.");
        return;
    }
    draw_replay_timeline(state);
    ImGui::TextUnformatted("channel:");
    for (int c = 0; c < telemetry::kWhChannels; ++c) {
        ImGui::SameLine();
        if (ImGui::RadioButton(wh_channel_name(c), replay.channel == c)) replay.channel = c;
        remember_item_rect(state, std::string("flow:channel:") + wh_channel_name(c));
    }
    ImGui::SameLine(0, 20);
    ImGui::TextUnformatted("run:");
    for (int i = 0; i < static_cast<int>(replay.runs.size()); ++i) {
        ImGui::SameLine();
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(replay_run_colour(replay.runs[i].colour)));
        if (ImGui::RadioButton((replay.runs[i].name + "##flowrun").c_str(), replay.primary == i)) replay.primary = i;
        ImGui::PopStyleColor();
    }
    ImGui::SameLine(0, 20);
    if (ImGui::Button(state.flow.animating ? "pause animation" : "animate")) state.flow.animating = !state.flow.animating;
    remember_item_rect(state, "flow:animate");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Pause or resume the particles (P)");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(110);
    ImGui::SliderFloat("##cycle", &state.flow.cycle_seconds, 0.5f, 10.0f, "%.1f s / pass", ImGuiSliderFlags_Logarithmic);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Seconds for one forward and backward pass of the particles");
}

// Each loaded run's share of gradient for the channel at the step, under the run's own activation:
// the broken run's falls to 0 at its death while a fix's stays above.
void draw_runs_compared(AppState& state) {
    const ReplayState& replay = state.replay;
    if (replay.runs.size() < 2) return;
    ImGui::TextColored(kFlowDimText, "each run under its own activation:");
    for (const ReplayRun& r : replay.runs) {
        const std::optional<RunPass> p = run_own_pass(r, replay.timeline.step, replay.channel);
        if (!p) continue;
        ImGui::SameLine(0, 14);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(replay_run_colour(r.colour)), "%s (%s): %.1f%%", r.name.c_str(),
                           activation_info(p->activation.kind).name, 100.0 * p->pass.share);
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Share of this run's %s pre-activations (its record at step %lld) that pass gradient through its\n"
                              "own activation; mean |f'| %.3g.",
                              wh_channel_name(replay.channel), static_cast<long long>(p->record_step),
                              p->pass.mean_abs_derivative);
    }
}

// P pauses and resumes the particles, in both views that show them.
void handle_pause_key(FlowState& flow) {
    if (!ImGui::GetIO().WantTextInput && ImGui::IsKeyPressed(ImGuiKey_P, false)) flow.animating = !flow.animating;
}

} // namespace

const telemetry::WhChannelRecord* flow_channel_record(const AppState& state) {
    const ReplayRun* r = state.replay.primary_run();
    const telemetry::StepRecord* rec = r != nullptr ? r->record_at(state.replay.timeline.step) : nullptr;
    return rec != nullptr ? telemetry::find_wh_channel(*rec, state.replay.channel) : nullptr;
}

std::optional<RunPass> run_own_pass(const ReplayRun& run, std::int64_t step, int channel) {
    const telemetry::StepRecord* rec = run.record_at(step);
    const telemetry::WhChannelRecord* ch = rec != nullptr ? telemetry::find_wh_channel(*rec, channel) : nullptr;
    const std::optional<Activation> act = run_activation(run.run().header.variant);
    if (ch == nullptr || !act) return std::nullopt;
    return RunPass{*act, rec->step, ch->grad_norm, gradient_pass(*act, ch->pre_hist)};
}

std::array<GradientPass, kActivationCount> variant_passes(const FlowState& flow, const std::vector<double>& samples) {
    std::array<GradientPass, kActivationCount> out{};
    for (const ActivationInfo& info : kActivations) {
        const int k = static_cast<int>(info.kind);
        out[static_cast<std::size_t>(k)] = gradient_pass({info.kind, flow.params[static_cast<std::size_t>(k)]}, samples);
    }
    return out;
}

const std::vector<double>& flow_samples(AppState& state) {
    FlowState& flow = state.flow;
    const telemetry::WhChannelRecord* ch = flow_channel_record(state);
    if (ch == nullptr) {
        flow.samples.clear();
        flow.samples_valid = false;
        return flow.samples;
    }
    const telemetry::Histogram& h = ch->pre_hist;
    if (!flow.samples_valid || h.lo != flow.samples_of.lo || h.hi != flow.samples_of.hi || h.counts != flow.samples_of.counts) {
        flow.samples = histogram_samples(h, kGradientSamples);
        flow.samples_of = h;
        flow.samples_valid = true;
    }
    return flow.samples;
}

void set_flow_activation(AppState& state, ActivationKind kind, double param) {
    FlowState& flow = state.flow;
    init_params(flow);
    flow.activation = kind;
    const ActivationInfo& info = activation_info(kind);
    if (info.param_name != nullptr && std::isfinite(param))
        flow.params[static_cast<int>(kind)] = std::clamp(param, info.param_min, info.param_max);
}

void draw_variants_table(AppState& state) {
    FlowState& flow = state.flow;
    init_params(flow);
    const std::vector<double>& samples = flow_samples(state);
    const ReplayRun* run = state.replay.primary_run();
    const std::optional<Activation> own = run != nullptr ? run_activation(run->run().header.variant) : std::nullopt;
    ImGui::TextUnformatted("The same distribution under every activation");
    help_marker("Each row puts the pre-activations recorded at this step (the particles' samples) through another\n"
                "activation. 'passes gradient' is the share of samples with f'(z) != 0, 'mean |f'|' the average\n"
                "factor the activation scales the gradient by. Click a row to send the particles through it.\n"
                "PReLU learns its slope; these runs have none, so the slider stands in for it.");
    if (samples.empty()) {
        ImGui::TextColored(kFlowDimText, "(load a run to fill the table)");
        return;
    }
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("variants", 5, flags)) return;
    ImGui::TableSetupColumn("activation", ImGuiTableColumnFlags_WidthFixed, 150);
    ImGui::TableSetupColumn("parameter", ImGuiTableColumnFlags_WidthFixed, 124);
    ImGui::TableSetupColumn("f, f'", ImGuiTableColumnFlags_WidthFixed, 64);
    ImGui::TableSetupColumn("passes gradient", ImGuiTableColumnFlags_WidthFixed, 130);
    ImGui::TableSetupColumn("mean |f'|", ImGuiTableColumnFlags_WidthFixed, 70);
    ImGui::TableHeadersRow();
    const std::array<GradientPass, kActivationCount> passes = variant_passes(flow, samples);
    for (const ActivationInfo& info : kActivations) {
        const int k = static_cast<int>(info.kind);
        const Activation act{info.kind, flow.params[k]};
        const GradientPass& p = passes[static_cast<std::size_t>(k)];
        ImGui::TableNextRow(ImGuiTableRowFlags_None, 22);
        ImGui::TableNextColumn();
        std::string label = info.name;
        if (own && own->kind == info.kind) label += " (this run)";
        if (ImGui::Selectable((label + "##row").c_str(), flow.activation == info.kind,
                              ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowOverlap))
            flow.activation = info.kind;
        remember_item_rect(state, std::string("flow:variant:") + info.id);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s: %s", info.name, info.formula);
        ImGui::TableNextColumn();
        if (info.param_name != nullptr) {
            float v = static_cast<float>(flow.params[k]);
            ImGui::SetNextItemWidth(120);
            const std::string fmt = std::string(info.param_name) + " %.3g";
            if (ImGui::SliderFloat(("##p" + std::to_string(k)).c_str(), &v, static_cast<float>(info.param_min),
                                   static_cast<float>(info.param_max), fmt.c_str()))
                flow.params[k] = v;
        } else {
            ImGui::TextDisabled("-");
        }
        ImGui::TableNextColumn();
        draw_sparkline(act, ImVec2(60, 18));
        ImGui::TableNextColumn();
        ImGui::TextColored(p.share == 0.0 ? kFlowWarnText : kFlowPassText, "%6.1f%%%s", 100.0 * p.share,
                           p.share == 0.0 ? "  none" : "");
        if (p.share == 0.0 && ImGui::IsItemHovered())
            ImGui::SetTooltip("No sample passes gradient: under %s this channel cannot learn at this step.", info.name);
        ImGui::TableNextColumn();
        ImGui::Text("%.3g", p.mean_abs_derivative);
    }
    ImGui::EndTable();
    ImGui::PushStyleColor(ImGuiCol_Text, kFlowDimText);
    ImGui::TextWrapped("Near z = 0 every smooth activation is almost linear, so they all pass gradient; what sets ReLU "
                       "apart is its derivative of exactly 0 for every z <= 0.");
    ImGui::PopStyleColor();
}

void draw_flow_view(AppState& state) {
    init_params(state.flow);
    handle_pause_key(state.flow);
    // Another run became primary: the particles start with its own activation (a row click changes it).
    if (const ReplayRun* r = state.replay.primary_run(); r != nullptr && r->id != state.flow.activation_of_run) {
        if (const std::optional<Activation> act = run_activation(r->run().header.variant)) {
            set_flow_activation(state, act->kind, act->param);
            state.flow.activation_of_run = r->id;
        }
    }
    draw_source_bar(state);
    draw_runs_compared(state);
    ImGui::Separator();
    const float avail_h = ImGui::GetContentRegionAvail().y - ImGui::GetFrameHeightWithSpacing() * 1.3f;
    const float left_w = std::max(440.0f, ImGui::GetContentRegionAvail().x * 0.5f);
    ImGui::BeginChild("flow-left", ImVec2(left_w, avail_h), false);
    const float w = ImGui::GetContentRegionAvail().x;
    if (!state.replay.runs.empty()) {
        draw_activation_particles(state, state.flow.selected(), ImVec2(w, 190));
        draw_wh_head_graph(state, ImVec2(w, 118));
        draw_variants_table(state);
    }
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("flow-right", ImVec2(0, avail_h), false);
    draw_what_if(state);
    ImGui::EndChild();
}

void draw_flow_replay_panel(AppState& state) {
    init_params(state.flow);
    handle_pause_key(state.flow);
    // The Replay view shows the run's own activation; the Gradient flow view lets the user pick.
    Activation act{ActivationKind::ReLU, 0};
    if (const ReplayRun* r = state.replay.primary_run()) act = run_activation(r->run().header.variant).value_or(act);
    state.flow.replay_panel_hovered = draw_activation_particles(state, act, ImVec2(ImGui::GetContentRegionAvail().x, 170));
    if (ImGui::SmallButton("Gradient flow view >>")) state.view = View::Flow;
    remember_item_rect(state, "replay:open-flow");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Every activation on this distribution, the wh head's backward flow, and a what-if simulation (key 3)");
}

void advance_flow(AppState& state, double now_ms) {
    FlowState& flow = state.flow;
    const double dt = flow.last_ms > 0 ? std::min(100.0, now_ms - flow.last_ms) : 0.0;
    flow.last_ms = now_ms;
    if (flow.animating) flow.phase = std::fmod(flow.phase + dt / 1000.0 / std::max(0.1f, flow.cycle_seconds), 1.0);
    WhatIf& w = flow.what_if;
    if (w.playing && !w.result.steps.empty()) {
        w.carry += dt / 1000.0 * w.steps_per_second;
        const int whole = static_cast<int>(w.carry);
        w.carry -= whole;
        w.step = std::min(w.step + whole, static_cast<int>(w.result.steps.size()));
        if (w.step >= static_cast<int>(w.result.steps.size())) w.playing = false;
    }
}

bool flow_animating(const AppState& state) {
    const bool particles = state.flow.animating && !state.replay.runs.empty();
    switch (state.view) {
    case View::Flow: return particles || state.flow.what_if.playing;
    case View::Replay: return particles && state.flow.replay_panel_hovered; // playback draws anyway
    default: return false;
    }
}

} // namespace deadzone::explorer
