#include "deadzone/channel_death.h"

#include "deadzone/prediction_dump.h" // wh_channel_name
#include "deadzone/run_columns.h"     // record_at, find_wh_channel

#include <cmath>
#include <cstdio>

namespace deadzone {

namespace {

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2g", v);
    return buf;
}

// The first record at or after `step`, or null.
const telemetry::StepRecord* record_from(const telemetry::Run& run, std::int64_t step) {
    if (run.steps.empty()) return nullptr;
    std::size_t i = telemetry::record_at(run.steps, step);
    if (run.steps[i].step < step) ++i;
    return i < run.steps.size() ? &run.steps[i] : nullptr;
}

} // namespace

std::vector<DeathEpisode> death_episodes(const telemetry::Run& run) {
    std::vector<DeathEpisode> out;
    for (const telemetry::Event& e : run.events) {
        if (e.channel < 0 || e.channel >= telemetry::kWhChannels) continue;
        if (e.kind == "channel_death") {
            out.push_back({e.channel, e.step, -1});
        } else if (e.kind == "channel_revived") {
            for (auto it = out.rbegin(); it != out.rend(); ++it)
                if (it->channel == e.channel && it->revived_at < 0) {
                    it->revived_at = e.step;
                    break;
                }
        }
    }
    return out;
}

bool channel_dead_at(const std::vector<DeathEpisode>& episodes, int channel, std::int64_t step) {
    for (const DeathEpisode& e : episodes)
        if (e.channel == channel && step >= e.died_at && (e.revived_at < 0 || step < e.revived_at)) return true;
    return false;
}

std::string death_caption(const telemetry::Run& run, const DeathEpisode& e) {
    std::string text = std::string(wh_channel_name(e.channel)) + ": ";
    const telemetry::StepRecord* at = record_from(run, e.died_at);
    const telemetry::WhChannelRecord* w = at != nullptr ? telemetry::find_wh_channel(*at, e.channel) : nullptr;
    if (w == nullptr) return text + "output zero for every sample from step " + std::to_string(e.died_at);
    const char* relation = w->pre_max < 0 ? "< 0" : w->pre_max <= 0 ? "<= 0" : "mostly <= 0";
    text += "pre-activation " + std::string(relation) + " for every sample from step " + std::to_string(e.died_at);
    if (at->step != e.died_at) text += " (record of step " + std::to_string(at->step) + ": ";
    else text += " (";
    text += "max " + num(w->pre_max) + ", bias " + num(w->bias) + ", weight std " + num(w->weight_std) + ")";
    // The gradient reaching the channel's conv over the rest of the episode.
    std::size_t records = 0, zero = 0;
    for (const telemetry::StepRecord& s : run.steps) {
        if (s.step < e.died_at || (e.revived_at >= 0 && s.step >= e.revived_at)) continue;
        const telemetry::WhChannelRecord* r = telemetry::find_wh_channel(s, e.channel);
        if (r == nullptr) continue;
        ++records;
        zero += r->grad_norm == 0.0;
    }
    if (records > 0 && zero == records) text += "; gradient 0 since";
    else if (zero > 0) text += "; gradient 0 in " + std::to_string(zero) + " of " + std::to_string(records) + " records since";
    if (e.revived_at >= 0) {
        text += "; revived at step " + std::to_string(e.revived_at);
        if (const telemetry::StepRecord* back = record_from(run, e.revived_at))
            if (const telemetry::WhChannelRecord* b = telemetry::find_wh_channel(*back, e.channel))
                text += ", pre-activation max " + num(b->pre_max);
    }
    return text;
}

} // namespace deadzone
