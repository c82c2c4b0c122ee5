#include "replay_view.h"

#include "file_drop.h"
#include "flow_view.h"
#include "help_marker.h"
#include "plot.h"
#include "replay_panels.h"
#include "telemetry_loader.h"

#include "deadzone/prediction_dump.h" // wh_channel_name

#include <emscripten/emscripten.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace deadzone::explorer {

namespace {

using telemetry::RunMetric;
using telemetry::WhMetric;

const ImVec4 kRed(0.95f, 0.40f, 0.35f, 1.0f), kGreen(0.35f, 0.85f, 0.45f, 1.0f), kDim(0.6f, 0.63f, 0.68f, 1.0f);

// Steps covered by all loaded runs.
bool step_extent(const ReplayState& replay, std::int64_t& first, std::int64_t& last) {
    bool any = false;
    for (const ReplayRun& r : replay.runs) {
        if (r.run().steps.empty()) continue;
        const std::int64_t a = r.run().steps.front().step, b = r.run().steps.back().step;
        first = any ? std::min(first, a) : a;
        last = any ? std::max(last, b) : b;
        any = true;
    }
    return any;
}

// The primary run's record steps before/after the current step (for step back/forward).
std::int64_t neighbour_step(const ReplayState& replay, int direction) {
    const ReplayRun* r = replay.primary_run();
    if (r == nullptr || r->run().steps.empty()) return replay.timeline.step;
    const auto& steps = r->run().steps;
    const std::int64_t now = replay.timeline.step;
    if (now < steps.front().step) return direction > 0 ? steps.front().step : now; // before the first record
    const std::size_t i = telemetry::record_at(steps, now);
    if (direction < 0) return steps[i].step < now ? steps[i].step : steps[i > 0 ? i - 1 : 0].step;
    return steps[std::min(i + 1, steps.size() - 1)].step;
}

void draw_open_bar(AppState& state) {
    ReplayState& replay = state.replay;
    if (ImGui::Button("Open telemetry...")) open_file_dialog();
    remember_item_rect(state, "replay:open");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("A .jsonl (or .jsonl.gz) telemetry file written by ttfnet-train; or drop it anywhere on the page.\n"
                          "Up to %d runs are overlaid, aligned by step.",
                          kMaxReplayRuns);
    if (!replay.shipped.empty()) {
        ImGui::SameLine();
        ImGui::TextDisabled("shipped runs:");
        for (const auto& entry : replay.shipped) {
            const std::string &name = entry.first, &url = entry.second; // (lambdas cannot capture bindings in C++17)
            ImGui::SameLine();
            const bool loaded =
                std::any_of(replay.runs.begin(), replay.runs.end(), [&](const ReplayRun& r) { return r.url == url; });
            ImGui::BeginDisabled(loaded);
            if (ImGui::SmallButton(name.c_str())) load_telemetry_url(state, name, url, RunOrigin::Shipped);
            ImGui::EndDisabled();
            remember_item_rect(state, "replay:shipped:" + name);
            if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
                ImGui::SetTooltip(loaded ? "%s is loaded" : "Load the telemetry of the shipped '%s' training run", name.c_str());
        }
    }
    if (replay.live_listed) {
        ImGui::SameLine(0, 20);
        ImGui::SetNextItemWidth(220);
        const std::string preview = replay.runs_folder + (replay.live_runs.empty() ? ": no runs yet" : ": follow a run...");
        if (ImGui::BeginCombo("##live", preview.c_str())) {
            for (const LiveRunEntry& e : replay.live_runs) {
                const std::string label =
                    e.name + (e.age_s < 10 ? "   (being written)" : "") + "   " + std::to_string(e.bytes / 1024) + " KB";
                if (ImGui::Selectable(label.c_str())) load_telemetry_url(state, e.name, e.url, RunOrigin::Live);
            }
            ImGui::EndCombo();
        }
        remember_item_rect(state, "replay:live");
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Runs in the folder served with scripts/explore.sh --runs DIR. A run still being written is\n"
                              "followed: new records appear as ttfnet-train writes them, like TensorBoard.");
    }
}

void draw_loaded_runs(AppState& state) {
    ReplayState& replay = state.replay;
    for (int i = 0; i < static_cast<int>(replay.runs.size()); ++i) {
        ReplayRun& r = replay.runs[i];
        ImGui::PushID(r.id);
        if (i > 0) ImGui::SameLine(0, 16);
        ImGui::PushStyleColor(ImGuiCol_CheckMark, ImColor(replay_run_colour(r.colour)).Value);
        if (ImGui::RadioButton("##primary", replay.primary == i)) replay.primary = i;
        ImGui::PopStyleColor();
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("Show this run's captions, tables and density strip");
        ImGui::SameLine();
        ImGui::TextColored(ImColor(replay_run_colour(r.colour)), "%s", r.name.c_str());
        if (ImGui::IsItemHovered()) {
            const telemetry::Header& h = r.run().header;
            ImGui::SetTooltip(
                "%s run, variant %s (%s, bias init %.3g, init std %.3g)\ninput %dx%d, batch %d, %lld steps planned\n%zu step records, %zu events%s",
                run_origin_name(r.origin), h.variant.name.c_str(), h.variant.wh_act.c_str(), h.variant.bias_init,
                h.variant.init_std, h.input_width, h.input_height, h.batch_size, static_cast<long long>(h.total_steps),
                r.run().steps.size(), r.run().events.size(),
                r.run().end ? ", finished" : ", no end record (still running or killed)");
        }
        ImGui::SameLine();
        if (r.loading && !r.following) {
            // Streaming in: how much of the file has been read and parsed.
            const double done = r.total_bytes > 0 ? static_cast<double>(r.reader.bytes_fed()) / r.total_bytes : 0.0;
            char label[64];
            std::snprintf(label, sizeof label, "%.0f / %.0f MB", r.reader.bytes_fed() / 1e6, std::max(0.0, r.total_bytes) / 1e6);
            ImGui::ProgressBar(static_cast<float>(done), ImVec2(160, 0), r.total_bytes > 0 ? label : "loading...");
        } else if (r.following) ImGui::TextColored(kGreen, "live, %zu records", r.run().steps.size());
        else ImGui::TextDisabled("%zu records", r.run().steps.size());
        if (r.run().truncated || r.run().skipped_lines > 0) {
            ImGui::SameLine();
            ImGui::TextColored(kRed, "(!)");
            if (ImGui::IsItemHovered()) {
                ImGui::BeginTooltip();
                for (const std::string& w : r.run().warnings) ImGui::TextUnformatted(w.c_str());
                ImGui::EndTooltip();
            }
        }
        ImGui::SameLine();
        const bool remove = ImGui::SmallButton("x");
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("Close this run");
        ImGui::PopID();
        if (remove) {
            remove_replay_run(state, i);
            break;
        }
    }
}

// "runs differ in: variant (broken / leaky), activation (relu / leaky_relu)" when overlaying.
std::string overlay_differences(const ReplayState& replay) {
    const ReplayRun* p = replay.primary_run();
    if (p == nullptr || replay.runs.size() < 2) return "";
    std::string out;
    const auto differ = [&](const char* what, auto get) {
        for (const ReplayRun& r : replay.runs)
            if (&r != p && r.reader.has_header() && get(r.run().header) != get(p->run().header)) {
                out += (out.empty() ? "" : ", ") + std::string(what);
                return;
            }
    };
    differ("variant", [](const telemetry::Header& h) { return h.variant.name; });
    differ("activation", [](const telemetry::Header& h) { return h.variant.wh_act; });
    differ("bias init", [](const telemetry::Header& h) { return std::to_string(h.variant.bias_init); });
    differ("input size",
           [](const telemetry::Header& h) { return std::to_string(h.input_width) + "x" + std::to_string(h.input_height); });
    differ("architecture", [](const telemetry::Header& h) { return h.architecture; });
    differ("batch size", [](const telemetry::Header& h) { return std::to_string(h.batch_size); });
    return out;
}

void draw_death_captions(AppState& state) {
    const ReplayState& replay = state.replay;
    bool any = false;
    for (const ReplayRun& r : replay.runs)
        for (std::size_t i = 0; i < r.deaths.size(); ++i) {
            const DeathEpisode& e = r.deaths[i];
            const bool now_dead = channel_dead_at(r.deaths, e.channel, replay.timeline.step);
            const bool before = replay.timeline.step < e.died_at;
            ImGui::TextColored(ImColor(replay_run_colour(r.colour)), "%s", r.name.c_str());
            ImGui::SameLine();
            const ImVec4 colour = before ? kDim : now_dead ? kRed : kGreen;
            ImGui::TextColored(colour, "%s%s", before ? "(later) " : "", r.death_captions[i].c_str());
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("Click to go to step %lld. A channel is dead from the first step at which its output\n"
                                  "after the activation is 0 for every sample of the batch (checked every step).",
                                  static_cast<long long>(e.died_at));
            if (ImGui::IsItemClicked()) set_replay_step(state, e.died_at);
            any = true;
        }
    if (!any && !replay.runs.empty())
        ImGui::TextColored(kGreen, "No wh channel died in %s.", replay.runs.size() == 1 ? "this run" : "these runs");
}

std::vector<PlotMarker> event_markers(const ReplayState& replay, bool deaths_only) {
    std::vector<PlotMarker> out;
    for (const ReplayRun& r : replay.runs)
        for (const telemetry::Event& e : r.run().events) {
            const bool death = e.kind == "channel_death" || e.kind == "channel_revived";
            if (deaths_only && !death) continue;
            if (e.kind == "checkpoint") continue;
            const ImU32 colour = e.kind == "channel_death"     ? IM_COL32(255, 90, 80, 200)
                                 : e.kind == "channel_revived" ? IM_COL32(90, 230, 120, 200)
                                                               : IM_COL32(255, 200, 60, 200);
            std::string text = r.name + ": " + e.kind + " at step " + std::to_string(e.step);
            if (e.channel >= 0) text += std::string(" (") + wh_channel_name(e.channel) + ")";
            if (!e.component.empty()) text += ", " + e.component;
            out.push_back({static_cast<double>(e.step), colour, text});
        }
    return out;
}

// The steps the plots and strips show: all of them (x_auto) until the user zooms or pans. Set
// before anything is drawn, so every plot and strip of a frame uses the same range.
void sync_x_range(ReplayState& replay) {
    std::int64_t first = 0, last = 0;
    if (!step_extent(replay, first, last)) return;
    const double lo = static_cast<double>(first), hi = static_cast<double>(std::max(last, first + 1));
    if (replay.x_auto) {
        replay.x_min = lo;
        replay.x_max = hi;
    } else { // a zoom stays, within the data
        replay.x_min = std::clamp(replay.x_min, lo, hi);
        replay.x_max = std::clamp(replay.x_max, replay.x_min + 1, std::max(hi, replay.x_min + 1));
    }
}

void draw_plots(AppState& state, float width) {
    ReplayState& replay = state.replay;
    std::int64_t first = 0, last = 0;
    if (!step_extent(replay, first, last)) return;
    PlotXRange range{replay.x_min, replay.x_max, static_cast<double>(first), static_cast<double>(std::max(last, first + 1))};
    const int c = replay.channel;
    const float h = 150;
    const auto run_line = [&](const ReplayRun& r, const std::vector<double>& y, const std::string& suffix, float alpha = 1.0f) {
        PlotLine l;
        l.label = r.name + suffix;
        l.x = r.columns.step.data();
        l.y = y.data();
        l.n = r.columns.rows();
        l.colour = replay_run_colour(r.colour, static_cast<int>(255 * alpha));
        return l;
    };
    const auto base_spec = [&](const char* id, const char* title, const char* tooltip) {
        PlotSpec s;
        s.id = id;
        s.title = title;
        s.tooltip = tooltip;
        s.cursor_x = static_cast<double>(replay.timeline.step);
        return s;
    };
    const auto show = [&](const PlotSpec& s) {
        const PlotResult r = plot(s, range, ImVec2(width, h));
        if (r.clicked) set_replay_step(state, static_cast<std::int64_t>(r.click_x));
    };
    const std::string channel = wh_channel_name(c);

    const std::string pre_title = "pre-activation of the " + channel + " channel: min..max band, mean line";
    PlotSpec pre = base_spec("pre", pre_title.c_str(),
                             "The final wh conv's output before the activation, over the batch at each recorded step.\n"
                             "Once max < 0 (the whole band below the red zero line), ReLU outputs 0 for every sample and\n"
                             "passes no gradient back: the channel cannot recover.");
    pre.zero_line = true;
    for (const ReplayRun& r : replay.runs) {
        PlotBand b;
        b.x = r.columns.step.data();
        b.lo = r.columns.of(WhMetric::PreMin, c).data();
        b.hi = r.columns.of(WhMetric::PreMax, c).data();
        b.n = r.columns.rows();
        b.colour = replay_run_colour(r.colour, 55);
        pre.bands.push_back(b);
        pre.lines.push_back(run_line(r, r.columns.of(WhMetric::PreMean, c), " mean"));
    }
    pre.markers = event_markers(replay, true);
    show(pre);

    const auto channel_plot = [&](const char* id, WhMetric m, bool zero, bool* log_y) {
        const std::string title = std::string(telemetry::metric_info(m).name) + " (" + channel + ")";
        PlotSpec s = base_spec(id, title.c_str(), telemetry::metric_info(m).meaning);
        s.zero_line = zero;
        s.log_y = log_y;
        for (const ReplayRun& r : replay.runs) s.lines.push_back(run_line(r, r.columns.of(m, c), ""));
        s.markers = event_markers(replay, true);
        show(s);
    };
    channel_plot("frac", WhMetric::PreFracPos, false, &replay.log_y[ReplayState::kLogFracPos]);
    channel_plot("bias", WhMetric::Bias, true, nullptr); // crosses zero: linear only
    channel_plot("wstd", WhMetric::WeightStd, false, &replay.log_y[ReplayState::kLogWeightStd]);
    channel_plot("grad", WhMetric::GradNorm, false, &replay.log_y[ReplayState::kLogGrad]);

    PlotSpec loss = base_spec("loss", "losses: total (solid), heatmap and wh (faint)",
                              "Gaussian focal loss of the heatmap head + GIoU loss of the wh head, per recorded step.\n"
                              "Red triangles mark NaN/Inf values; yellow lines mark NaN events and rollbacks.");
    loss.log_y = &replay.log_y[ReplayState::kLogLoss];
    for (const ReplayRun& r : replay.runs) {
        loss.lines.push_back(run_line(r, r.columns.of(RunMetric::LossTotal), " total"));
        loss.lines.push_back(run_line(r, r.columns.of(RunMetric::LossHeatmap), " heatmap", 0.45f));
        loss.lines.push_back(run_line(r, r.columns.of(RunMetric::LossWh), " wh", 0.3f));
    }
    loss.markers = event_markers(replay, false);
    show(loss);

    PlotSpec lr = base_spec("lr", "learning rate", telemetry::metric_info(RunMetric::Lr).meaning);
    lr.log_y = &replay.log_y[ReplayState::kLogLr];
    for (const ReplayRun& r : replay.runs) lr.lines.push_back(run_line(r, r.columns.of(RunMetric::Lr), ""));
    show(lr);

    // Validation losses are sparse records of their own.
    std::vector<std::vector<double>> vx(replay.runs.size()), vy(replay.runs.size());
    PlotSpec val = base_spec("val", "validation loss (total)",
                             "Losses on the validation split (no augmentation), when the run recorded them");
    val.log_y = &replay.log_y[ReplayState::kLogVal];
    for (std::size_t i = 0; i < replay.runs.size(); ++i) {
        for (const telemetry::ValRecord& v : replay.runs[i].run().vals) {
            vx[i].push_back(static_cast<double>(v.step));
            vy[i].push_back(v.losses.total);
        }
        PlotLine l = run_line(replay.runs[i], vy[i], " val");
        l.x = vx[i].data();
        l.n = vx[i].size();
        if (l.n > 0) val.lines.push_back(l);
    }
    if (!val.lines.empty()) show(val);

    if (range.changed) {
        replay.x_auto = range.min <= range.data_min && range.max >= range.data_max;
        replay.x_min = range.min;
        replay.x_max = range.max;
    }
}

void draw_empty_state(AppState& state) {
    ImGui::Spacing();
    ImGui::TextColored(kDim, "No training run loaded.");
    ImGui::TextColored(kDim, "Drop a telemetry file (.jsonl / .jsonl.gz from ttfnet-train --out DIR) anywhere on the page,");
    ImGui::TextColored(kDim, "use Open telemetry..., or load a shipped run:");
    if (!state.replay.shipped.empty() && ImGui::Button("Replay broken vs fixed (the shipped runs)")) open_shipped_replay(state);
    remember_item_rect(state, "replay:shipped-pair");
}

} // namespace

void draw_replay_timeline(AppState& state) {
    ReplayState& replay = state.replay;
    Timeline& t = replay.timeline;
    std::int64_t first = 0, last = 0;
    if (!step_extent(replay, first, last)) return;
    const auto button = [&](const char* label, const char* name, const char* tip) {
        const bool pressed = ImGui::Button(label);
        remember_item_rect(state, name);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tip);
        ImGui::SameLine();
        return pressed;
    };
    if (button("|<", "replay:home", "First step (Home)")) set_replay_step(state, first);
    if (button("<", "replay:back", "Previous record (Left arrow)")) set_replay_step(state, neighbour_step(replay, -1));
    if (button(t.playing ? "pause" : "play", "replay:play", "Play / pause (Space)")) {
        t.playing = !t.playing;
        if (t.playing && t.step >= last) t.step = first;
        replay.last_frame_ms = emscripten_get_now();
    }
    if (button(">", "replay:forward", "Next record (Right arrow)")) set_replay_step(state, neighbour_step(replay, +1));
    if (button(">|", "replay:end", "Last step (End)")) set_replay_step(state, last);
    ImGui::SetNextItemWidth(110);
    ImGui::SliderFloat("##speed", &t.steps_per_second, 1.0f, 2000.0f, "%.0f steps/s", ImGuiSliderFlags_Logarithmic);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Playback speed in training steps per second");
    ImGui::SameLine();
    int step = static_cast<int>(t.step);
    ImGui::SetNextItemWidth(std::max(200.0f, ImGui::GetContentRegionAvail().x - 330));
    if (ImGui::SliderInt("##step", &step, static_cast<int>(first), static_cast<int>(last), "step %d")) {
        t.step = step;
        t.playing = false;
    }
    remember_item_rect(state, "replay:scrub");
    ImGui::SameLine();
    // Jump to an event of the primary run.
    const ReplayRun* p = replay.primary_run();
    ImGui::SetNextItemWidth(150);
    if (ImGui::BeginCombo("##events", "jump to event...")) {
        if (p != nullptr)
            for (const telemetry::Event& e : p->run().events) {
                std::string label = "step " + std::to_string(e.step) + ": " + e.kind;
                if (e.channel >= 0) label += std::string(" (") + wh_channel_name(e.channel) + ")";
                if (ImGui::Selectable(label.c_str())) set_replay_step(state, e.step);
            }
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::Checkbox("follow", &t.follow_end);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Stay on the newest record of a live run");

    // Keyboard: only when no text field has the keyboard.
    if (!ImGui::GetIO().WantTextInput) {
        if (ImGui::IsKeyPressed(ImGuiKey_Space, false)) {
            t.playing = !t.playing;
            replay.last_frame_ms = emscripten_get_now();
        }
        if (ImGui::IsKeyPressed(ImGuiKey_LeftArrow)) set_replay_step(state, neighbour_step(replay, -1));
        if (ImGui::IsKeyPressed(ImGuiKey_RightArrow)) set_replay_step(state, neighbour_step(replay, +1));
        if (ImGui::IsKeyPressed(ImGuiKey_Home, false)) set_replay_step(state, first);
        if (ImGui::IsKeyPressed(ImGuiKey_End, false)) set_replay_step(state, last);
    }
}

unsigned replay_run_colour(int colour, int alpha) {
    static const ImU32 palette[kMaxReplayRuns] = {IM_COL32(255, 120, 90, 0), IM_COL32(90, 190, 255, 0),
                                                  IM_COL32(150, 230, 110, 0), IM_COL32(230, 150, 255, 0)};
    return palette[colour % kMaxReplayRuns] | (static_cast<ImU32>(alpha) << IM_COL32_A_SHIFT);
}

void set_replay_step(AppState& state, std::int64_t step) {
    std::int64_t first = 0, last = 0;
    if (step_extent(state.replay, first, last)) step = std::clamp(step, first, last);
    state.replay.timeline.step = step;
    state.replay.timeline.playing = false;
}

void note_replay_frame_drawn(AppState& state, double now_ms) {
    if (state.view != View::Replay) return;
    for (ReplayRun& r : state.replay.runs)
        if (!r.loading && r.shown_ms == 0) r.shown_ms = now_ms;
}

void advance_replay(AppState& state, double now_ms) {
    ReplayState& replay = state.replay;
    Timeline& t = replay.timeline;
    const double dt = now_ms - replay.last_frame_ms;
    replay.last_frame_ms = now_ms;
    if (!t.playing || dt <= 0 || dt > 1000) return;
    std::int64_t first = 0, last = 0;
    if (!step_extent(replay, first, last)) return;
    t.carry += dt / 1000.0 * t.steps_per_second;
    const auto whole = static_cast<std::int64_t>(t.carry);
    t.carry -= static_cast<double>(whole);
    t.step = std::clamp(t.step + whole, first, last);
    if (t.step >= last) t.playing = false;
}

void draw_replay_view(AppState& state) {
    ReplayState& replay = state.replay;
    draw_open_bar(state);
    if (!replay.load_error.empty()) ImGui::TextColored(kRed, "%s", replay.load_error.c_str());
    if (replay.runs.empty()) {
        draw_empty_state(state);
        return;
    }
    draw_loaded_runs(state);
    if (const std::string diff = overlay_differences(replay); !diff.empty()) {
        ImGui::SameLine(0, 20);
        ImGui::TextColored(ImVec4(1, 0.8f, 0.3f, 1), "overlaid runs differ in: %s", diff.c_str());
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("Runs are aligned by training step; hover a run's name for its settings.");
    }
    draw_replay_timeline(state);
    sync_x_range(replay);
    draw_death_captions(state);
    ImGui::Separator();

    const float avail_h = ImGui::GetContentRegionAvail().y - ImGui::GetFrameHeightWithSpacing() * 1.3f;
    const float left_w = std::max(420.0f, ImGui::GetContentRegionAvail().x * 0.52f);
    ImGui::BeginChild("replay-plots", ImVec2(left_w, avail_h), false);
    ImGui::TextUnformatted("channel:");
    for (int c = 0; c < telemetry::kWhChannels; ++c) {
        ImGui::SameLine();
        if (ImGui::RadioButton(wh_channel_name(c), replay.channel == c)) replay.channel = c;
        remember_item_rect(state, std::string("replay:channel:") + wh_channel_name(c));
    }
    help_marker("Plots follow this wh channel. Mouse wheel zooms the step axis, drag pans, double-click resets,\n"
                "click sets the step.");
    const float plot_w = ImGui::GetContentRegionAvail().x;
    ImGui::TextUnformatted("pre-activation distribution over training (density strip)");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Each column is one recorded step's histogram of the channel's pre-activation (16 bins between its\n"
                          "min and max); brighter = more values. The red line is 0: a distribution entirely below it is a\n"
                          "dead ReLU channel.");
    draw_density_strip(state, 120);
    draw_plots(state, plot_w);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("replay-tables", ImVec2(0, avail_h), false);
    draw_channels_at_step(state);
    draw_flow_replay_panel(state);
    if (ImGui::BeginTabBar("replay-tabs")) {
        if (ImGui::BeginTabItem("Events")) {
            draw_events_list(state);
            ImGui::EndTabItem();
        }
        remember_item_rect(state, "replay:tab:events");
        if (ImGui::BeginTabItem("BN dead zones")) {
            draw_bn_table(state);
            ImGui::EndTabItem();
        }
        remember_item_rect(state, "replay:tab:bn");
        if (ImGui::BeginTabItem("Dead units")) {
            draw_dead_units_table(state);
            ImGui::EndTabItem();
        }
        remember_item_rect(state, "replay:tab:dead-units");
        ImGui::EndTabBar();
    }
    ImGui::EndChild();
}

} // namespace deadzone::explorer
