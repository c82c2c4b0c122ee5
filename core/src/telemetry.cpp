#include "deadzone/telemetry.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

namespace deadzone::telemetry {

using json = nlohmann::json;

namespace {

// JSON has no NaN/Inf: write null, read null back as NaN.
json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// The reader never throws: the wasm build runs without exception catching, and a malformed file
// is an expected input. The first problem is remembered in `error`; later reads return defaults.
struct Reader {
    std::string error;

    void fail(const std::string& message) {
        if (error.empty()) error = message;
    }
    const json* find(const json& j, const char* key) {
        if (!j.is_object()) {
            fail(std::string("expected an object around '") + key + "'");
            return nullptr;
        }
        const auto it = j.find(key);
        return it == j.end() ? nullptr : &*it;
    }
    double num(const json& j, const char* key) {
        const json* v = find(j, key);
        if (v == nullptr) {
            fail(std::string("missing field '") + key + "'");
            return 0;
        }
        return as_num(*v, key);
    }
    double opt_num(const json& j, const char* key, double fallback) {
        const json* v = find(j, key);
        return v == nullptr ? fallback : as_num(*v, key);
    }
    double as_num(const json& v, const char* key) {
        if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
        if (!v.is_number()) {
            fail(std::string("field '") + key + "' is not a number");
            return 0;
        }
        return v.get<double>();
    }
    std::int64_t integer(const json& j, const char* key) {
        const json* v = find(j, key);
        if (v == nullptr) {
            fail(std::string("missing field '") + key + "'");
            return 0;
        }
        return as_int(*v, key);
    }
    std::int64_t as_int(const json& v, const char* key) {
        if (!v.is_number_integer()) {
            fail(std::string("field '") + key + "' is not an integer");
            return 0;
        }
        return v.get<std::int64_t>();
    }
    std::string str(const json& j, const char* key) {
        const json* v = find(j, key);
        return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
    }
    const json& obj(const json& j, const char* key) {
        static const json kEmpty = json::object();
        const json* v = find(j, key);
        if (v == nullptr || !v->is_object()) {
            fail(std::string("missing object '") + key + "'");
            return kEmpty;
        }
        return *v;
    }
    const json& array(const json& j, const char* key) {
        static const json kEmpty = json::array();
        const json* v = find(j, key);
        if (v == nullptr) return kEmpty;
        if (!v->is_array()) {
            fail(std::string("field '") + key + "' is not an array");
            return kEmpty;
        }
        return *v;
    }
};

json summary_json(const Summary& s) { return {{"min", num(s.min)}, {"max", num(s.max)}, {"mean", num(s.mean)}}; }
Summary read_summary(Reader& r, const json& j) { return {r.num(j, "min"), r.num(j, "max"), r.num(j, "mean")}; }

json losses_json(const Losses& l) { return {{"heatmap", num(l.heatmap)}, {"wh", num(l.wh)}, {"total", num(l.total)}}; }
Losses read_losses(Reader& r, const json& j) { return {r.num(j, "heatmap"), r.num(j, "wh"), r.num(j, "total")}; }

Header read_header(Reader& r, const json& j) {
    Header h;
    if (r.str(j, "schema") != kSchemaName) {
        r.fail("not a DeadZone telemetry header (schema is not 'deadzone.telemetry')");
        return h;
    }
    h.version = static_cast<int>(r.integer(j, "version"));
    if (h.version != kSchemaVersion) {
        r.fail("unsupported telemetry version " + std::to_string(h.version) + " (this build reads version " +
               std::to_string(kSchemaVersion) + ")");
        return h;
    }
    h.run_id = r.str(j, "run_id");
    h.created_utc = r.str(j, "created_utc");
    const json& v = r.obj(j, "variant");
    h.variant = {r.str(v, "name"), r.str(v, "wh_act"), r.opt_num(v, "leaky_slope", 0), r.opt_num(v, "bias_init", 0),
                 r.opt_num(v, "init_std", 0)};
    const json& m = r.obj(j, "model");
    h.architecture = r.str(m, "architecture");
    h.input_width = static_cast<int>(r.integer(m, "input_width"));
    h.input_height = static_cast<int>(r.integer(m, "input_height"));
    h.num_classes = static_cast<int>(r.integer(m, "num_classes"));
    h.stride = static_cast<int>(r.integer(m, "stride"));
    h.wh_offset_base = r.num(m, "wh_offset_base");
    for (const json& c : r.array(m, "class_names")) h.class_names.push_back(c.is_string() ? c.get<std::string>() : std::string());
    h.batch_size = static_cast<int>(r.integer(j, "batch_size"));
    h.total_steps = r.integer(j, "total_steps");
    h.telemetry_every = static_cast<int>(r.integer(j, "telemetry_every"));
    for (const json& l : r.array(j, "layers")) {
        h.layers.push_back({r.str(l, "name"), r.str(l, "kind"), static_cast<int>(r.integer(l, "channels"))});
    }
    const auto c = j.find("config");
    h.config_json = c != j.end() ? c->dump() : "{}";
    return h;
}

StepRecord read_step(Reader& r, const json& j) {
    StepRecord s;
    s.step = r.integer(j, "step");
    s.time_s = r.opt_num(j, "time_s", 0);
    s.ms_per_step = r.opt_num(j, "ms_per_step", 0);
    s.losses = read_losses(r, r.obj(j, "losses"));
    s.lr = r.num(j, "lr");
    s.grad_norm = r.num(j, "grad_norm");
    for (const json& c : r.array(j, "wh_channels")) {
        WhChannelRecord w;
        w.channel = static_cast<int>(r.integer(c, "channel"));
        const json& pre = r.obj(c, "pre");
        w.pre_min = r.num(pre, "min");
        w.pre_max = r.num(pre, "max");
        w.pre_mean = r.num(pre, "mean");
        w.pre_std = r.num(pre, "std");
        w.pre_frac_pos = r.num(pre, "frac_pos");
        if (const auto h = pre.find("hist"); h != pre.end()) {
            w.pre_hist.lo = r.num(*h, "lo");
            w.pre_hist.hi = r.num(*h, "hi");
            for (const json& n : r.array(*h, "counts")) w.pre_hist.counts.push_back(r.as_int(n, "counts"));
        }
        const json& post = r.obj(c, "post");
        w.post_min = r.num(post, "min");
        w.post_max = r.num(post, "max");
        w.post_mean = r.num(post, "mean");
        w.post_frac_zero = r.num(post, "frac_zero");
        w.weight_std = r.num(c, "weight_std");
        w.bias = r.num(c, "bias");
        w.grad_norm = r.num(c, "grad_norm");
        s.wh_channels.push_back(std::move(w));
    }
    for (const json& b : r.array(j, "bn")) {
        BnRecord rec;
        rec.layer = r.str(b, "layer");
        rec.channels = static_cast<int>(r.integer(b, "channels"));
        rec.gamma = read_summary(r, r.obj(b, "gamma"));
        rec.beta = read_summary(r, r.obj(b, "beta"));
        rec.running_mean = read_summary(r, r.obj(b, "running_mean"));
        rec.running_var = read_summary(r, r.obj(b, "running_var"));
        for (const json& i : r.array(b, "dead_gamma")) rec.dead_gamma.push_back(static_cast<int>(r.as_int(i, "dead_gamma")));
        for (const json& i : r.array(b, "dead_running")) rec.dead_running.push_back(static_cast<int>(r.as_int(i, "dead_running")));
        s.bn.push_back(std::move(rec));
    }
    for (const json& a : r.array(j, "activations")) {
        s.activations.push_back({r.str(a, "layer"), r.num(a, "frac_dead_units"), r.num(a, "frac_dead_channels")});
    }
    return s;
}

Event read_event(Reader& r, const json& j) {
    Event e;
    e.step = r.integer(j, "step");
    e.kind = r.str(j, "kind");
    if (e.kind.empty()) r.fail("event without 'kind'");
    if (j.contains("channel")) e.channel = static_cast<int>(r.integer(j, "channel"));
    e.component = r.str(j, "component");
    e.message = r.str(j, "message");
    e.path = r.str(j, "path");
    if (const auto st = j.find("stats"); st != j.end() && st->is_object()) {
        for (auto it = st->begin(); it != st->end(); ++it) {
            e.stats[it.key()] = it->is_number() ? it->get<double>() : std::numeric_limits<double>::quiet_NaN();
        }
    }
    return e;
}

EndRecord read_end(Reader& r, const json& j) {
    EndRecord e;
    e.step = r.integer(j, "step");
    e.status = r.str(j, "status");
    e.wall_s = r.opt_num(j, "wall_s", 0);
    e.skipped_files = j.contains("skipped_files") ? r.integer(j, "skipped_files") : 0;
    for (const json& d : r.array(j, "dead_channels")) {
        e.dead_channels.push_back({static_cast<int>(r.integer(d, "channel")), r.integer(d, "since_step")});
    }
    return e;
}

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
              {"total_steps", h.total_steps},
              {"telemetry_every", h.telemetry_every},
              {"layers", layers},
              {"config", config}};
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
                       {{"min", num(w.post_min)}, {"max", num(w.post_max)}, {"mean", num(w.post_mean)}, {"frac_zero", num(w.post_frac_zero)}}},
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
        acts.push_back({{"layer", a.layer}, {"frac_dead_units", num(a.frac_dead_units)}, {"frac_dead_channels", num(a.frac_dead_channels)}});
    }
    json j = {{"type", "step"},       {"step", s.step},         {"time_s", num(s.time_s)}, {"ms_per_step", num(s.ms_per_step)},
              {"losses", losses_json(s.losses)}, {"lr", num(s.lr)}, {"grad_norm", num(s.grad_norm)},
              {"wh_channels", wh},    {"bn", bn},               {"activations", acts}};
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
    return json{{"type", "val"}, {"step", v.step}, {"losses", losses_json(v.losses)}, {"batches", v.batches}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string to_json_line(const EndRecord& e) {
    json dead = json::array();
    for (const DeadChannel& d : e.dead_channels) dead.push_back({{"channel", d.channel}, {"since_step", d.since_step}});
    return json{{"type", "end"},     {"step", e.step},         {"status", e.status}, {"wall_s", num(e.wall_s)},
                {"skipped_files", e.skipped_files}, {"dead_channels", dead}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<Run> parse_telemetry(const std::string& text) {
    Run run;
    bool have_header = false;
    std::size_t begin = 0;
    int line_no = 0;
    while (begin < text.size()) {
        std::size_t end = text.find('\n', begin);
        const bool last = end == std::string::npos;
        if (last) end = text.size();
        std::string line = text.substr(begin, end - begin);
        begin = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const std::string where = "telemetry line " + std::to_string(line_no);
        json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded() || !j.is_object()) {
            if (last && have_header) {
                // A run killed while writing its last record: keep everything before it.
                run.truncated = true;
                run.warnings.push_back(where + " is cut off (the run was probably killed while writing it); ignored");
                break;
            }
            return Error{where + ": not a valid JSON object" + (j.is_discarded() ? "" : " (wrong JSON type)")};
        }
        Reader r;
        const std::string type = r.str(j, "type");
        if (!have_header) {
            if (type != "header") return Error{where + ": the first record must be the header, got type '" + type + "'"};
            run.header = read_header(r, j);
            have_header = true;
        } else if (type == "step") {
            run.steps.push_back(read_step(r, j));
        } else if (type == "event") {
            run.events.push_back(read_event(r, j));
        } else if (type == "val") {
            run.vals.push_back({r.integer(j, "step"), read_losses(r, r.obj(j, "losses")), static_cast<int>(r.integer(j, "batches"))});
        } else if (type == "end") {
            run.end = read_end(r, j);
        } else if (type == "header") {
            return Error{where + ": a second header record"};
        } else {
            run.warnings.push_back(where + ": unknown record type '" + type + "' skipped");
        }
        if (!r.error.empty()) return Error{where + " (" + (type.empty() ? "untyped" : type) + " record): " + r.error};
    }
    if (!have_header) return Error{"telemetry has no header record (empty file?)"};
    return run;
}

Result<Run> parse_telemetry_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return Error{"cannot open telemetry file " + path};
    std::ostringstream s;
    s << f.rdbuf();
    Result<Run> r = parse_telemetry(s.str());
    if (!r.ok()) return Error{path + ": " + r.error()};
    return r;
}

} // namespace deadzone::telemetry
