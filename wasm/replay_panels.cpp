#include "replay_panels.h"

#include "replay_view.h"

#include "deadzone/diagnostics.h"
#include "deadzone/prediction_dump.h" // wh_channel_name

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <string>

namespace deadzone::explorer {

namespace {

const ImVec4 kRed(0.95f, 0.40f, 0.35f, 1.0f), kAmber(1.0f, 0.75f, 0.3f, 1.0f), kGreen(0.35f, 0.85f, 0.45f, 1.0f),
    kDim(0.6f, 0.63f, 0.68f, 1.0f);

// The primary run's record at the timeline's step (the last at or before it), or null.
const telemetry::StepRecord* record_now(const AppState& state) {
    const ReplayRun* r = state.replay.primary_run();
    return r == nullptr ? nullptr : r->record_at(state.replay.timeline.step);
}

void header_tooltip(const char* text) {
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text);
}

// A table header row whose cells have tooltips.
void headers_with_tooltips(const char* const* tips, int n) {
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    for (int i = 0; i < n; ++i) {
        if (!ImGui::TableSetColumnIndex(i)) continue;
        ImGui::TableHeader(ImGui::TableGetColumnName(i));
        header_tooltip(tips[i]);
    }
}

ImVec4 level_colour(DeadLevel level) { return level == DeadLevel::Ok ? kGreen : level == DeadLevel::Warning ? kAmber : kRed; }

} // namespace

void draw_channels_at_step(AppState& state) {
    const ReplayRun* run = state.replay.primary_run();
    const telemetry::StepRecord* rec = record_now(state);
    if (run == nullptr || rec == nullptr) return;
    ImGui::TextColored(ImColor(replay_run_colour(run->colour)), "%s", run->name.c_str());
    ImGui::SameLine();
    ImGui::Text("at step %lld (record of step %lld)", static_cast<long long>(state.replay.timeline.step),
                static_cast<long long>(rec->step));
    ImGui::SameLine();
    ImGui::TextDisabled("loss %.4g  lr %.3g", rec->losses.total, rec->lr);
    const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("channels", 8, flags)) return;
    static const char* const tips[] = {"wh channel: distance from the centre to the box's left / top / right / bottom edge",
                                       "pre-activation min .. max over the batch (final wh conv output)",
                                       "mean pre-activation",
                                       "fraction of pre-activations > 0: the units through which ReLU passes gradient",
                                       "largest output after the activation, times wh_offset_base (pixels)",
                                       "final wh conv bias of this channel",
                                       "L2 norm of the loss gradient reaching this channel's conv",
                                       "dead: output 0 for every sample at this step (per the run's channel_death events)"};
    for (const char* name : {"channel", "pre min..max", "pre mean", "> 0", "post max", "bias", "grad norm", "state"})
        ImGui::TableSetupColumn(name, ImGuiTableColumnFlags_WidthFixed);
    headers_with_tooltips(tips, 8);
    for (const telemetry::WhChannelRecord& w : rec->wh_channels) {
        const bool dead = channel_dead_at(run->deaths, w.channel, state.replay.timeline.step);
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        if (ImGui::Selectable(wh_channel_name(w.channel), state.replay.channel == w.channel, ImGuiSelectableFlags_SpanAllColumns))
            state.replay.channel = std::clamp(w.channel, 0, telemetry::kWhChannels - 1);
        ImGui::TableNextColumn();
        ImGui::TextColored(w.pre_max < 0 ? kRed : ImVec4(1, 1, 1, 1), "%.3g..%.3g", w.pre_min, w.pre_max);
        ImGui::TableNextColumn();
        ImGui::Text("%.3g", w.pre_mean);
        ImGui::TableNextColumn();
        ImGui::Text("%.0f%%", 100 * w.pre_frac_pos);
        ImGui::TableNextColumn();
        ImGui::Text("%.3g", w.post_max);
        ImGui::TableNextColumn();
        ImGui::Text("%.3g", w.bias);
        ImGui::TableNextColumn();
        ImGui::TextColored(w.grad_norm == 0 ? kRed : ImVec4(1, 1, 1, 1), "%.3g", w.grad_norm);
        ImGui::TableNextColumn();
        ImGui::TextColored(dead ? kRed : kGreen, dead ? "DEAD" : "alive");
    }
    ImGui::EndTable();
}

void draw_events_list(AppState& state) {
    const ReplayState& replay = state.replay;
    std::size_t total = 0;
    for (const ReplayRun& r : replay.runs) total += r.run().events.size();
    if (total == 0) {
        ImGui::TextColored(kDim, "No events: no deaths, NaN/Inf losses, rollbacks or checkpoints recorded.");
        return;
    }
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("events", 4, flags, ImVec2(0, 0))) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("run");
    ImGui::TableSetupColumn("step");
    ImGui::TableSetupColumn("event");
    ImGui::TableSetupColumn("detail", ImGuiTableColumnFlags_WidthStretch, 3.0f);
    ImGui::TableHeadersRow();
    for (const ReplayRun& r : replay.runs) {
        for (std::size_t i = 0; i < r.run().events.size(); ++i) {
            const telemetry::Event& e = r.run().events[i];
            ImGui::PushID(static_cast<int>(i) + r.id * 100000);
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextColored(ImColor(replay_run_colour(r.colour)), "%s", r.name.c_str());
            ImGui::TableNextColumn();
            const std::string step = std::to_string(e.step);
            const bool here = replay.timeline.step == e.step;
            if (ImGui::Selectable(step.c_str(), here, ImGuiSelectableFlags_SpanAllColumns)) set_replay_step(state, e.step);
            ImGui::TableNextColumn();
            const ImVec4 colour = e.kind == "channel_death"                      ? kRed
                                  : e.kind == "channel_revived"                  ? kGreen
                                  : e.kind == "checkpoint" || e.kind == "resume" ? kDim
                                                                                 : kAmber;
            ImGui::TextColored(colour, "%s", e.kind.c_str());
            ImGui::TableNextColumn();
            std::string detail;
            if (e.channel >= 0) detail = std::string(wh_channel_name(e.channel)) + " channel";
            if (!e.component.empty()) detail += (detail.empty() ? "" : ", ") + e.component + " went non-finite";
            if (!e.message.empty()) detail += (detail.empty() ? "" : ": ") + e.message;
            if (!e.path.empty()) detail += (detail.empty() ? "" : " ") + e.path;
            ImGui::TextUnformatted(detail.c_str());
            if (!e.stats.empty() && ImGui::IsItemHovered()) {
                ImGui::BeginTooltip();
                for (const auto& [k, v] : e.stats) ImGui::Text("%s = %g", k.c_str(), v);
                ImGui::EndTooltip();
            }
            ImGui::PopID();
        }
    }
    ImGui::EndTable();
}

void draw_bn_table(AppState& state) {
    const ReplayRun* run = state.replay.primary_run();
    const telemetry::StepRecord* rec = record_now(state);
    if (rec == nullptr) return;
    if (rec->bn.empty()) {
        ImGui::TextColored(kDim, "This run recorded no BatchNorm layers.");
        return;
    }
    ImGui::TextWrapped("BN followed by ReLU outputs beta + gamma * x_hat. Two dead zones: gamma ~ 0 with beta < 0 (the layer "
                       "rejects its input), and running mean and var ~ 0 with beta < 0 (its input is already dead).");
    draw_bn_strip(state, std::min(160.0f, 4.0f * rec->bn.size() + 20));
    const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                                  ImGuiTableFlags_Sortable | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("bn", 8, flags)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("layer", ImGuiTableColumnFlags_DefaultSort | ImGuiTableColumnFlags_WidthStretch, 3.0f);
    ImGui::TableSetupColumn("gamma mean");
    ImGui::TableSetupColumn("beta mean");
    ImGui::TableSetupColumn("run. mean");
    ImGui::TableSetupColumn("run. var");
    ImGui::TableSetupColumn("gamma dead");
    ImGui::TableSetupColumn("running dead");
    ImGui::TableSetupColumn("first fired");
    static const char* const tips[] = {"BatchNorm layer (sort by any column)",
                                       "mean of gamma over the layer's channels (min..max on hover)",
                                       "mean of beta",
                                       "mean of the running mean",
                                       "mean of the running variance",
                                       "channels with |gamma| < 1e-3 and beta < 0 at this step",
                                       "channels with |running mean| and running var < 1e-3 and beta < 0 at this step",
                                       "first recorded step at which either pattern fired in this layer"};
    headers_with_tooltips(tips, 8);
    std::vector<int> order(rec->bn.size());
    std::iota(order.begin(), order.end(), 0);
    if (ImGuiTableSortSpecs* sort = ImGui::TableGetSortSpecs(); sort != nullptr && sort->SpecsCount > 0) {
        const ImGuiTableColumnSortSpecs& s = sort->Specs[0];
        const auto key = [&](int i) -> double {
            const telemetry::BnRecord& b = rec->bn[i];
            switch (s.ColumnIndex) {
            case 1: return b.gamma.mean;
            case 2: return b.beta.mean;
            case 3: return b.running_mean.mean;
            case 4: return b.running_var.mean;
            case 5: return static_cast<double>(b.dead_gamma.size());
            case 6: return static_cast<double>(b.dead_running.size());
            case 7: {
                const std::int64_t f = i < static_cast<int>(run->bn_first_fired.size()) ? run->bn_first_fired[i] : -1;
                return f < 0 ? 1e300 : static_cast<double>(f);
            }
            default: return i; // forward order
            }
        };
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
            return s.SortDirection == ImGuiSortDirection_Ascending ? key(a) < key(b) : key(a) > key(b);
        });
    }
    for (int i : order) {
        const telemetry::BnRecord& b = rec->bn[i];
        const bool fired = !b.dead_gamma.empty() || !b.dead_running.empty();
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextColored(fired ? kRed : ImVec4(1, 1, 1, 1), "%s", b.layer.c_str());
        const auto summary = [](const telemetry::Summary& s) {
            ImGui::Text("%.3g", s.mean);
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("min %.4g, max %.4g, mean %.4g", s.min, s.max, s.mean);
        };
        ImGui::TableNextColumn();
        summary(b.gamma);
        ImGui::TableNextColumn();
        summary(b.beta);
        ImGui::TableNextColumn();
        summary(b.running_mean);
        ImGui::TableNextColumn();
        summary(b.running_var);
        const auto list = [&](const std::vector<int>& channels) {
            if (channels.empty()) {
                ImGui::TextDisabled("0");
                return;
            }
            ImGui::TextColored(kRed, "%zu of %d", channels.size(), b.channels);
            if (ImGui::IsItemHovered()) {
                std::string text = "channels:";
                for (int c : channels) text += " " + std::to_string(c);
                ImGui::SetTooltip("%s", text.c_str());
            }
        };
        ImGui::TableNextColumn();
        list(b.dead_gamma);
        ImGui::TableNextColumn();
        list(b.dead_running);
        ImGui::TableNextColumn();
        const std::int64_t f = i < static_cast<int>(run->bn_first_fired.size()) ? run->bn_first_fired[i] : -1;
        if (f < 0) ImGui::TextDisabled("never");
        else if (ImGui::SmallButton(("step " + std::to_string(f) + "##" + std::to_string(i)).c_str())) set_replay_step(state, f);
    }
    ImGui::EndTable();
}

void draw_dead_units_table(AppState& state) {
    const telemetry::StepRecord* rec = record_now(state);
    if (rec == nullptr) return;
    if (rec->activations.empty()) {
        ImGui::TextColored(kDim, "This run recorded no activation layers.");
        return;
    }
    ImGui::TextWrapped("A dead unit is a (channel, y, x) output that is 0 for every sample of the batch. Levels: OK < 10%%, "
                       "WARNING < 50%%, CRITICAL from 50%%.");
    draw_dead_units_strip(state, std::min(160.0f, 4.0f * rec->activations.size() + 20));
    const ImGuiTableFlags flags =
        ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("dead-units", 4, flags)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("layer", ImGuiTableColumnFlags_WidthStretch, 3.0f);
    ImGui::TableSetupColumn("dead units");
    ImGui::TableSetupColumn("dead channels");
    ImGui::TableSetupColumn("level");
    static const char* const tips[] = {
        "activation layer, in forward order", "share of (channel, y, x) units that are 0 for every sample of the batch",
        "share of channels that are 0 everywhere for every sample", "OK < 10%, WARNING < 50%, CRITICAL >= 50% dead units"};
    headers_with_tooltips(tips, 4);
    for (const telemetry::ActivationRecord& a : rec->activations) {
        const DeadLevel level = dead_level(a.frac_dead_units);
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(a.layer.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%.1f%%", 100 * a.frac_dead_units);
        ImGui::TableNextColumn();
        ImGui::Text("%.1f%%", 100 * a.frac_dead_channels);
        ImGui::TableNextColumn();
        ImGui::TextColored(level_colour(level), "%s", dead_level_name(level));
    }
    ImGui::EndTable();
}

} // namespace deadzone::explorer
