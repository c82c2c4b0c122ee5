#include "deadzone/diagnostics.h"

#include <cmath>
#include <map>

namespace deadzone {

bool bn_gamma_dead_zone(double gamma, double beta, const DeadZoneThresholds& t) {
    return std::abs(gamma) < t.gamma_eps && beta < 0;
}

bool bn_running_dead_zone(double running_mean, double running_var, double beta, const DeadZoneThresholds& t) {
    return std::abs(running_mean) < t.running_eps && std::abs(running_var) < t.running_eps && beta < 0;
}

bool channel_is_dead(const ChannelStats& s) { return s.count > 0 && s.finite_count == s.count && s.fraction_zero == 1.0; }

std::vector<telemetry::DeadChannel> final_dead_channels(const telemetry::Run& run) {
    if (run.end) return run.end->dead_channels;
    std::map<int, std::int64_t> dead; // channel -> since step
    for (const telemetry::Event& e : run.events) {
        if (e.kind == "channel_death") dead[e.channel] = e.step;
        if (e.kind == "channel_revived") dead.erase(e.channel);
    }
    std::vector<telemetry::DeadChannel> out;
    for (const auto& [c, s] : dead) out.push_back({c, s});
    return out;
}

DeadLevel dead_level(double f) { return f < 0.1 ? DeadLevel::Ok : f < 0.5 ? DeadLevel::Warning : DeadLevel::Critical; }

const char* dead_level_name(DeadLevel level) {
    switch (level) {
    case DeadLevel::Ok: return "OK";
    case DeadLevel::Warning: return "WARNING";
    case DeadLevel::Critical: return "CRITICAL";
    }
    return "?";
}

std::vector<std::int64_t> bn_first_fired(const telemetry::Run& run) {
    std::vector<std::int64_t> first;
    for (const telemetry::StepRecord& s : run.steps) {
        if (first.size() < s.bn.size()) first.resize(s.bn.size(), -1);
        for (std::size_t i = 0; i < s.bn.size(); ++i)
            if (first[i] < 0 && (!s.bn[i].dead_gamma.empty() || !s.bn[i].dead_running.empty())) first[i] = s.step;
    }
    return first;
}

} // namespace deadzone
