#include "deadzone/telemetry.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace deadzone::telemetry {

using json = nlohmann::json;

namespace {

// JSON has no NaN/Inf: write null, read null back as NaN.
json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json summary_json(const Summary& s) { return {{"min", num(s.min)}, {"max", num(s.max)}, {"mean", num(s.mean)}}; }
json losses_json(const Losses& l) { return {{"heatmap", num(l.heatmap)}, {"wh", num(l.wh)}, {"total", num(l.total)}}; }
} // namespace

std::string to_json_line(const Header& h) {
    json layers = json::array();
    for (const LayerInfo& l : h.layers) layers.push_back({{"name", l.name}, {"kind", l.kind}, {"channels", l.channels}});
    json config = json::parse(h.config_json, nullptr, /*allow_exceptions=*/false);
    if (config.is_discarded()) config = json::object();
    json j = {{"type", "header"},
              {"schema", kSchemaName},
              {"version", h.version},
              {"run_id", h.run_id},
              {"created_utc", h.created_utc},
              {"variant",
               {{"name", h.variant.name},
                {"wh_act", h.variant.wh_act},
                {"leaky_slope", num(h.variant.leaky_slope)},
                {"bias_init", num(h.variant.bias_init)},
                {"init_std", num(h.variant.init_std)}}},
              {"model",
               {{"architecture", h.architecture},
                {"input_width", h.input_width},
                {"input_height", h.input_height},
                {"num_classes", h.num_classes},
                {"class_names", h.class_names},
                {"stride", h.stride},
                {"wh_offset_base", num(h.wh_offset_base)}}},
              {"batch_size", h.batch_size},
              {"world_size", h.world_size},
              {"total_steps", h.total_steps},
              {"telemetry_every", h.telemetry_every},
              {"telemetry_dense_steps", h.telemetry_dense_steps},
              {"layers", layers},
              {"config", config}};
    if (h.data) {
        json data = json::object();
        for (const DataInfoField& f : kDataInfoFields) data[f.name] = (*h.data).*f.member;
        j["data"] = std::move(data);
    }
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string to_json_line(const StepRecord& s) {
    json wh = json::array();
    for (const WhChannelRecord& w : s.wh_channels) {
        wh.push_back({{"channel", w.channel},
                      {"pre",
                       {{"min", num(w.pre_min)},
                        {"max", num(w.pre_max)},
                        {"mean", num(w.pre_mean)},
                        {"std", num(w.pre_std)},
                        {"frac_pos", num(w.pre_frac_pos)},
                        {"hist", {{"lo", num(w.pre_hist.lo)}, {"hi", num(w.pre_hist.hi)}, {"counts", w.pre_hist.counts}}}}},
                      {"post",
                       {{"min", num(w.post_min)},
                        {"max", num(w.post_max)},
                        {"mean", num(w.post_mean)},
                        {"frac_zero", num(w.post_frac_zero)}}},
                      {"weight_std", num(w.weight_std)},
                      {"bias", num(w.bias)},
                      {"grad_norm", num(w.grad_norm)}});
    }
    json bn = json::array();
    for (const BnRecord& b : s.bn) {
        bn.push_back({{"layer", b.layer},
                      {"channels", b.channels},
                      {"gamma", summary_json(b.gamma)},
                      {"beta", summary_json(b.beta)},
                      {"running_mean", summary_json(b.running_mean)},
                      {"running_var", summary_json(b.running_var)},
                      {"dead_gamma", b.dead_gamma},
                      {"dead_running", b.dead_running}});
    }
    json acts = json::array();
    for (const ActivationRecord& a : s.activations) {
        acts.push_back(
            {{"layer", a.layer}, {"frac_dead_units", num(a.frac_dead_units)}, {"frac_dead_channels", num(a.frac_dead_channels)}});
    }
    json j = {{"type", "step"},
              {"step", s.step},
              {"time_s", num(s.time_s)},
              {"ms_per_step", num(s.ms_per_step)},
              {"losses", losses_json(s.losses)},
              {"lr", num(s.lr)},
              {"grad_norm", num(s.grad_norm)},
              {"wh_channels", wh},
              {"bn", bn},
              {"activations", acts}};
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string to_json_line(const Event& e) {
    json j = {{"type", "event"}, {"step", e.step}, {"kind", e.kind}};
    if (e.channel >= 0) j["channel"] = e.channel;
    if (!e.component.empty()) j["component"] = e.component;
    if (!e.message.empty()) j["message"] = e.message;
    if (!e.path.empty()) j["path"] = e.path;
    if (!e.stats.empty()) {
        json st = json::object();
        for (const auto& [k, v] : e.stats) st[k] = num(v);
        j["stats"] = st;
    }
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string to_json_line(const ValRecord& v) {
    return json{{"type", "val"}, {"step", v.step}, {"losses", losses_json(v.losses)}, {"batches", v.batches}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
}

const char* run_status_name(RunStatus status) {
    switch (status) {
    case RunStatus::Completed: return "completed";
    case RunStatus::Paused: return "paused";
    case RunStatus::Stopped: return "stopped";
    case RunStatus::Unknown: break;
    }
    return "unknown";
}

RunStatus run_status_of(std::string_view name) {
    for (RunStatus s : {RunStatus::Completed, RunStatus::Paused, RunStatus::Stopped})
        if (name == run_status_name(s)) return s;
    return RunStatus::Unknown;
}

std::string to_json_line(const EndRecord& e) {
    json dead = json::array();
    for (const DeadChannel& d : e.dead_channels) dead.push_back({{"channel", d.channel}, {"since_step", d.since_step}});
    return json{{"type", "end"},
                {"step", e.step},
                {"status", run_status_name(e.status)},
                {"wall_s", num(e.wall_s)},
                {"skipped_files", e.skipped_files},
                {"dead_channels", dead}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace deadzone::telemetry
