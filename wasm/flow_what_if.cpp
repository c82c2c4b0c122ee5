// The what-if panel: core's simulate_wh_head() under the user's settings, rerun on every change
// (a few ms) and played back step by step.
#include "flow_panels.h"
#include "help_marker.h"

#include "plot.h"

#include "deadzone/prediction_dump.h" // wh_channel_name

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <string>

namespace deadzone::explorer {

namespace {

// Okabe & Ito colours per channel (left, top, right, bottom), apart from the particles' orange and
// sky blue, which mean a forward value and a gradient that passes.
constexpr ImU32 kChannelColour[kSimChannels] = {IM_COL32(213, 94, 0, 255), IM_COL32(0, 114, 178, 255), IM_COL32(0, 158, 115, 255),
                                                IM_COL32(240, 228, 66, 255)};

// The scale of the features feeding the run's final wh conv, from its first record of the channel
// (core's feature_scale_for_spread). D is the run's --wh-channels when its wh branch has convs before
// the last one (--wh-convs > 0); otherwise, and when the config does not say, 32.
double feature_scale_of_run(const ReplayRun& run, int channel) {
    if (run.run().steps.empty()) return 0;
    const telemetry::WhChannelRecord* ch = telemetry::find_wh_channel(run.run().steps.front(), channel);
    if (ch == nullptr) return 0;
    int dim = 32;
    const nlohmann::json config = nlohmann::json::parse(run.run().header.config_json, nullptr, false);
    const auto option = [&](const char* key) {
        return config.is_object() && config.contains(key) && config[key].is_string()
                   ? std::atoi(config[key].get<std::string>().c_str())
                   : -1;
    };
    if (option("--wh-convs") > 0 && option("--wh-channels") >= 1) dim = option("--wh-channels");
    return feature_scale_for_spread(ch->pre_std, ch->weight_std, dim);
}

void fill_columns(WhatIf& w) {
    SimColumns& c = w.columns;
    c = SimColumns{};
    for (const ChannelSimStep& s : w.result.steps) {
        c.step.push_back(s.step);
        for (int ch = 0; ch < kSimChannels; ++ch) {
            c.pre_min[ch].push_back(s.pre_min[ch]);
            c.pre_max[ch].push_back(s.pre_max[ch]);
            c.pre_mean[ch].push_back(s.pre_mean[ch]);
            c.bias[ch].push_back(s.bias[ch]);
            c.distance[ch].push_back(s.distance[ch]);
        }
    }
}

struct Preset {
    const char* label;
    const char* tooltip;
    Activation act;
    double bias;
};

const Preset kPresets[] = {
    {"TTFNet init (broken)", "ReLU, weights std 0.001, bias 0: the published init", {ActivationKind::ReLU, 0}, 0.0},
    {"bias 0.1", "ReLU with a positive initial bias: every z starts above 0", {ActivationKind::ReLU, 0}, 0.1},
    {"LeakyReLU 0.1",
     "slope 0.1 below 0: a channel below 0 still gets a tenth of its gradient",
     {ActivationKind::LeakyReLU, 0.1},
     0.0},
    {"Softplus", "smooth, f' > 0 everywhere (beta 1)", {ActivationKind::Softplus, 1.0}, 0.0},
    {"leaky + bias", "LeakyReLU 0.1 and bias 0.1", {ActivationKind::LeakyReLU, 0.1}, 0.1},
};

// A slider on a double; true when it moved.
bool slider(const char* label, double& value, double lo, double hi, const char* format, bool log, const char* tooltip) {
    float v = static_cast<float>(value);
    ImGui::SetNextItemWidth(200);
    const bool moved = ImGui::SliderFloat(label, &v, static_cast<float>(lo), static_cast<float>(hi), format,
                                          log ? ImGuiSliderFlags_Logarithmic : ImGuiSliderFlags_None);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tooltip);
    if (moved) value = v;
    return moved;
}

void draw_settings(AppState& state) {
    WhatIf& w = state.flow.what_if;
    ChannelSimConfig& c = w.config;
    ImGui::TextUnformatted("presets:");
    for (const Preset& p : kPresets) {
        ImGui::SameLine();
        if (ImGui::SmallButton(p.label)) {
            c.activation = p.act;
            c.bias_init = p.bias;
            c.init_std = 0.001;
            w.dirty = true;
        }
        remember_item_rect(state, std::string("whatif:preset:") + p.label);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", p.tooltip);
    }
    ImGui::SetNextItemWidth(200);
    if (ImGui::BeginCombo("activation", activation_info(c.activation.kind).name)) {
        for (const ActivationInfo& a : kActivations)
            if (ImGui::Selectable(a.name, a.kind == c.activation.kind)) {
                c.activation = Activation::with_default(a.kind);
                if (a.kind == ActivationKind::LeakyReLU) c.activation.param = 0.1;
                w.dirty = true;
            }
        ImGui::EndCombo();
    }
    const ActivationInfo& info = activation_info(c.activation.kind);
    if (info.param_name != nullptr) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(120);
        w.dirty |= slider(("##simparam"), c.activation.param, info.param_min, info.param_max,
                          (std::string(info.param_name) + " %.3g").c_str(), false, info.formula);
    }
    w.dirty |= slider("init std", c.init_std, 1e-4, 1.0, "%.4g", true,
                      "Standard deviation of the final conv's initial weights (TTFNet: 0.001)");
    w.dirty |= slider("initial bias", c.bias_init, -0.2, 0.5, "%.3f", false, "Every channel's initial bias (TTFNet: 0)");
    w.dirty |= slider("learning rate", c.lr, 1e-4, 0.1, "%.4g", true,
                      "SGD learning rate of the weights (momentum 0.9); biases use twice this, as TTFNet's paramwise rule");
    w.dirty |= slider("feature drift", c.feature_drift, -10.0, 10.0, "%.2f sigma / 100 steps", false,
                      "The input features' mean moves by this many feature sigmas every 100 steps, as the layers below\n"
                      "keep learning. It moves every z by w·dx: with small weights, almost nothing.");
    const bool scale_moved =
        slider("feature scale", c.feature_scale, 1e-5, 10.0, "%.3g", true,
               "sigma of the input features x = max(0, mu + sigma N(0,1)). TTFNet's wh convs all start at std 0.001,\n"
               "so the features reaching the last conv are tiny (the shipped broken run: about 2e-4) and every\n"
               "sample's z is almost exactly the bias.");
    if (scale_moved) {
        w.dirty = true;
        w.feature_scale_chosen = true;
        w.features_from_run = false;
    }
    ImGui::SameLine();
    if (w.features_from_run) ImGui::TextDisabled("(from the run)");
    int seed = static_cast<int>(c.seed), steps = c.steps;
    ImGui::SetNextItemWidth(200);
    if (ImGui::SliderInt("seed", &seed, 1, 50)) {
        c.seed = static_cast<std::uint64_t>(seed);
        w.dirty = true;
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("The simulation is deterministic; another seed draws other weights, boxes and features");
    ImGui::SetNextItemWidth(200);
    if (ImGui::SliderInt("steps", &steps, 20, 2000)) {
        c.steps = steps;
        w.dirty = true;
    }
}

void draw_verdict(AppState& state) {
    const WhatIf& w = state.flow.what_if;
    const int ch = state.replay.channel;
    if (w.result.steps.empty()) return;
    const int dead = w.result.dead_since[ch];
    const ChannelSimStep& last = w.result.steps.back();
    if (dead >= 0) {
        ImGui::TextColored(kFlowWarnText, "%s channel: DEAD since step %d", wh_channel_name(ch), dead);
        ImGui::PushStyleColor(ImGuiCol_Text, kFlowDimText);
        ImGui::TextWrapped("from then to step %d no sample passed gradient through %s: its weights and bias stopped "
                           "changing, so only the features' drift could move z back",
                           last.step, activation_info(w.config.activation.kind).name);
        ImGui::PopStyleColor();
    } else {
        ImGui::TextColored(kFlowPassText, "%s channel: alive", wh_channel_name(ch));
        ImGui::PushStyleColor(ImGuiCol_Text, kFlowDimText);
        ImGui::TextWrapped("at step %d it passes gradient for %.0f%% of the batch; mean distance %.1f px", last.step,
                           100.0 * last.share[ch], last.distance[ch]);
        ImGui::PopStyleColor();
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Dead: from that step to the last simulated one, act'(z) = 0 for every sample of every batch.\n"
                          "Distance: the channel's mean predicted distance, act(z) * 16, in pixels.");
}

// The batch's z at the shown step on a number line around 0: blue passes gradient, grey does not.
void draw_batch_line(AppState& state, float width) {
    const WhatIf& w = state.flow.what_if;
    const int ch = state.replay.channel;
    const ChannelSimStep& s =
        w.result.steps[static_cast<std::size_t>(std::clamp(w.step, 1, static_cast<int>(w.result.steps.size())) - 1)];
    const int batch = static_cast<int>(s.pre.size() / kSimChannels);
    double reach = 0;
    for (int i = 0; i < batch; ++i)
        reach = std::max(reach, std::fabs(static_cast<double>(s.pre[static_cast<std::size_t>(ch * batch + i)])));
    if (!(reach > 0)) reach = 1;
    const ImVec2 o = ImGui::GetCursorScreenPos();
    const ImVec2 size(std::max(width, 1.0f), 46);
    ImGui::InvisibleButton("##batchline", size);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("The simulated batch's pre-activations z of the %s channel at step %d (x: -%.3g .. %.3g).\n"
                          "Blue: f'(z) != 0, the sample's gradient reaches the weights. Grey rings: f'(z) = 0.",
                          wh_channel_name(ch), s.step, 1.25 * reach, 1.25 * reach);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRect(o, ImVec2(o.x + size.x, o.y + size.y), kFlowPanelFrame, 4);
    const float mid = o.x + size.x / 2, y = o.y + size.y / 2;
    dl->AddLine(ImVec2(o.x + 8, y), ImVec2(o.x + size.x - 8, y), IM_COL32(255, 255, 255, 50));
    dl->AddLine(ImVec2(mid, o.y + 4), ImVec2(mid, o.y + size.y - 4), kFlowZero, 1.5f);
    for (int i = 0; i < batch; ++i) {
        const double z = s.pre[static_cast<std::size_t>(ch * batch + i)];
        const float x = mid + static_cast<float>(z / (1.25 * reach)) * (size.x / 2 - 10);
        const float jitter = static_cast<float>((i * 37) % 17 - 8); // spread vertically so dots don't hide each other
        if (blocks_gradient(w.config.activation, z))
            dl->AddCircle(ImVec2(x, y + jitter), 3.0f, kFlowBlocked, kParticleSegments, 1.0f);
        else dl->AddCircleFilled(ImVec2(x, y + jitter), 3.0f, kFlowPass, kParticleSegments);
    }
    dl->AddText(ImVec2(mid + 3, o.y + 2), IM_COL32(170, 175, 185, 255), "z = 0");
    char passing[64];
    std::snprintf(passing, sizeof passing, "step %d: %.0f%% pass gradient", s.step, 100.0 * s.share[ch]);
    dl->AddText(ImVec2(o.x + 6, o.y + 2), s.share[ch] > 0 ? kFlowPass : kFlowBlocked, passing);
}

void draw_sim_plots(AppState& state, float width) {
    WhatIf& w = state.flow.what_if;
    const SimColumns& c = w.columns;
    const int ch = state.replay.channel;
    const double last = std::max(2.0, c.step.empty() ? 2.0 : c.step.back());
    if (w.x_auto) {
        w.x_min = 1;
        w.x_max = last;
    }
    PlotXRange range{w.x_min, w.x_max, 1, last};
    const std::string name = wh_channel_name(ch);
    const auto line = [&](const std::string& label, const std::vector<double>& y, ImU32 colour) {
        PlotLine l;
        l.label = label;
        l.x = c.step.data();
        l.y = y.data();
        l.n = c.step.size();
        l.colour = colour;
        return l;
    };
    const auto show = [&](PlotSpec& s) {
        s.cursor_x = w.step;
        const PlotResult r = plot(s, range, ImVec2(width, 118));
        if (r.clicked) {
            w.step = std::clamp(static_cast<int>(std::lround(r.click_x)), 1, static_cast<int>(c.step.size()));
            w.playing = false;
        }
    };
    const std::string pre_title = "simulated z of the " + name + " channel: batch min..max, mean; bias";
    PlotSpec pre;
    pre.id = "sim-pre";
    pre.title = pre_title.c_str();
    pre.tooltip = "The batch's pre-activations at each simulated step (band) and the channel's bias after the step.\n"
                  "When the whole band is below the zero line, ReLU passes no gradient: the bias stops moving.";
    pre.zero_line = true;
    PlotBand band;
    band.x = c.step.data();
    band.lo = c.pre_min[ch].data();
    band.hi = c.pre_max[ch].data();
    band.n = c.step.size();
    band.colour = with_alpha(kChannelColour[ch], 0.27f);
    pre.bands.push_back(band);
    pre.lines.push_back(line("z mean", c.pre_mean[ch], kChannelColour[ch]));
    pre.lines.push_back(line("bias", c.bias[ch], IM_COL32(220, 220, 220, 200)));
    show(pre);

    PlotSpec dist;
    dist.id = "sim-dist";
    dist.title = "mean predicted distance per channel (px)";
    dist.tooltip = "act(z) * 16 averaged over the batch: what the box decode gets. A dead channel stays at 0 and every box\n"
                   "starts at its anchor on that side.";
    for (int k = 0; k < kSimChannels; ++k) dist.lines.push_back(line(wh_channel_name(k), c.distance[k], kChannelColour[k]));
    show(dist);

    if (range.changed) {
        w.x_auto = range.min <= range.data_min && range.max >= range.data_max;
        w.x_min = range.min;
        w.x_max = range.max;
    }
}

} // namespace

void update_what_if(AppState& state) {
    WhatIf& w = state.flow.what_if;
    // The features' scale comes from the primary run the first time one is available, unless the
    // user has chosen one.
    if (!w.features_from_run && !w.feature_scale_chosen)
        if (const ReplayRun* r = state.replay.primary_run())
            if (const double scale = feature_scale_of_run(*r, 0); scale > 0) {
                w.config.feature_scale = scale;
                w.features_from_run = true;
                w.dirty = true;
            }
    if (!w.dirty) return;
    w.result = simulate_wh_head(w.config);
    fill_columns(w);
    w.dirty = false;
    ++w.runs;
    w.step = 1;
    w.carry = 0;
    w.playing = true;
}

void draw_what_if(AppState& state) {
    update_what_if(state);
    WhatIf& w = state.flow.what_if;
    ImGui::TextUnformatted("What if? A simulated wh head, trained live");
    help_marker("A small deterministic simulation (core/channel_sim.h): the wh head's last 1x1 conv on 32 ReLU features,\n"
                "four channels z = w·x + b, distance = act(z) * 16, decoded at TTFNet's anchors (a cell's top-left\n"
                "corner) and trained with SGD + momentum on the GIoU loss against synthetic-like boxes.\n"
                "The first boxes are 1x1; the GIoU's enclosing term pushes the left distance down where an anchor\n"
                "lies left of a narrow box, momentum carries the bias below every sample, and ReLU does the rest.");
    draw_settings(state);
    ImGui::Separator();
    draw_verdict(state);
    if (w.result.steps.empty()) return;
    if (ImGui::Button(w.playing ? "pause##sim" : "play##sim")) {
        if (!w.playing && w.step >= static_cast<int>(w.result.steps.size())) w.step = 1;
        w.playing = !w.playing;
    }
    remember_item_rect(state, "whatif:play");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(std::max(120.0f, ImGui::GetContentRegionAvail().x - 130));
    if (ImGui::SliderInt("##simstep", &w.step, 1, static_cast<int>(w.result.steps.size()), "simulated step %d"))
        w.playing = false;
    ImGui::SameLine();
    ImGui::SetNextItemWidth(110);
    ImGui::SliderFloat("##simspeed", &w.steps_per_second, 1.0f, 500.0f, "%.0f steps/s", ImGuiSliderFlags_Logarithmic);
    const float width = ImGui::GetContentRegionAvail().x;
    draw_batch_line(state, width);
    draw_sim_plots(state, width);
}

} // namespace deadzone::explorer
