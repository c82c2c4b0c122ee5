// Reading DeadZone telemetry: the incremental TelemetryReader and the whole-file parse_telemetry().
// The schema is in telemetry.h; telemetry.cpp writes it.
#include "deadzone/telemetry_reader.h"

#include "deadzone/gzip.h"

#include <simdjson.h>

#include <fstream>
#include <limits>
#include <sstream>

namespace deadzone::telemetry {

namespace {

using Value = simdjson::dom::element;

// An element that may be absent: a default simdjson element points at no document and must not be
// touched, so reads from a missing object go through this flag instead.
struct Node {
    Value v;
    bool ok = false;
};

// The reader never throws: the wasm build runs without exception catching, and a malformed file
// is an expected input. The first problem is remembered in `error`; later reads return defaults.
// A missing optional object or array reads as absent (has() / each() see nothing).
struct Reader {
    std::string error;

    void fail(const std::string& message) {
        if (error.empty()) error = message;
    }
    // The field, or false (absent, or j is not an object: reported once).
    bool find(const Node& j, const char* key, Node& out) {
        if (!j.ok || !j.v.is_object()) {
            fail(std::string("expected an object around '") + key + "'");
            return false;
        }
        out.ok = j.v.at_key(key).get(out.v) == simdjson::SUCCESS;
        return out.ok;
    }
    bool has(const Node& j, const char* key) {
        Value v;
        return j.ok && j.v.is_object() && j.v.at_key(key).get(v) == simdjson::SUCCESS;
    }
    double num(const Node& j, const char* key) {
        Node v;
        if (!find(j, key, v)) {
            fail(std::string("missing field '") + key + "'");
            return 0;
        }
        return as_num(v.v, key);
    }
    double opt_num(const Node& j, const char* key, double fallback) {
        Node v;
        return find(j, key, v) ? as_num(v.v, key) : fallback;
    }
    double as_num(const Value& v, const char* key) {
        if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
        double d = 0;
        if (v.get_double().get(d) != simdjson::SUCCESS) { // integers convert; anything else is an error
            fail(std::string("field '") + key + "' is not a number");
            return 0;
        }
        return d;
    }
    std::int64_t integer(const Node& j, const char* key) {
        Node v;
        if (!find(j, key, v)) {
            fail(std::string("missing field '") + key + "'");
            return 0;
        }
        return as_int(v.v, key);
    }
    std::int64_t as_int(const Value& v, const char* key) {
        std::int64_t i = 0;
        if (v.get_int64().get(i) != simdjson::SUCCESS) {
            fail(std::string("field '") + key + "' is not an integer");
            return 0;
        }
        return i;
    }
    std::string str(const Node& j, const char* key) {
        Node v;
        std::string_view sv;
        if (!find(j, key, v) || v.v.get_string().get(sv) != simdjson::SUCCESS) return {};
        return std::string(sv);
    }
    // A required object; an absent node (every read from it then fails by name) when missing.
    Node obj(const Node& j, const char* key) {
        Node v;
        if (!find(j, key, v) || !v.v.is_object()) {
            fail(std::string("missing object '") + key + "'");
            return Node();
        }
        return v;
    }
    // Calls f(node) for each element of the array `key`; nothing when it is absent.
    template <typename F>
    void each(const Node& j, const char* key, F&& f) {
        Node v;
        if (!find(j, key, v)) return;
        simdjson::dom::array a;
        if (v.v.get_array().get(a) != simdjson::SUCCESS) {
            fail(std::string("field '") + key + "' is not an array");
            return;
        }
        for (Value item : a) f(Node{item, true});
    }
};

Summary read_summary(Reader& r, const Node& j) { return {r.num(j, "min"), r.num(j, "max"), r.num(j, "mean")}; }

Losses read_losses(Reader& r, const Node& j) { return {r.num(j, "heatmap"), r.num(j, "wh"), r.num(j, "total")}; }

Header read_header(Reader& r, const Node& j) {
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
    const Node v = r.obj(j, "variant");
    h.variant = {r.str(v, "name"), r.str(v, "wh_act"), r.opt_num(v, "leaky_slope", 0), r.opt_num(v, "bias_init", 0),
                 r.opt_num(v, "init_std", 0)};
    const Node m = r.obj(j, "model");
    h.architecture = r.str(m, "architecture");
    h.input_width = static_cast<int>(r.integer(m, "input_width"));
    h.input_height = static_cast<int>(r.integer(m, "input_height"));
    h.num_classes = static_cast<int>(r.integer(m, "num_classes"));
    h.stride = static_cast<int>(r.integer(m, "stride"));
    h.wh_offset_base = r.num(m, "wh_offset_base");
    r.each(m, "class_names", [&](const Node& c) {
        std::string_view sv;
        h.class_names.emplace_back(c.v.get_string().get(sv) == simdjson::SUCCESS ? sv : std::string_view());
    });
    h.batch_size = static_cast<int>(r.integer(j, "batch_size"));
    h.world_size = r.has(j, "world_size") ? static_cast<int>(r.integer(j, "world_size")) : 1;
    h.total_steps = r.integer(j, "total_steps");
    h.telemetry_every = static_cast<int>(r.integer(j, "telemetry_every"));
    h.telemetry_dense_steps = r.has(j, "telemetry_dense_steps") ? static_cast<int>(r.integer(j, "telemetry_dense_steps")) : 0;
    r.each(j, "layers", [&](const Node& l) {
        h.layers.push_back({r.str(l, "name"), r.str(l, "kind"), static_cast<int>(r.integer(l, "channels"))});
    });
    if (Node data; r.find(j, "data", data) && data.v.is_object()) {
        DataInfo info;
        for (const DataInfoField& f : kDataInfoFields) info.*f.member = r.has(data, f.name) ? r.integer(data, f.name) : 0;
        h.data = info;
    }
    Node config;
    h.config_json = r.find(j, "config", config) ? simdjson::to_string(config.v) : "{}";
    return h;
}

StepRecord read_step(Reader& r, const Node& j) {
    StepRecord s;
    s.step = r.integer(j, "step");
    s.time_s = r.opt_num(j, "time_s", 0);
    s.ms_per_step = r.opt_num(j, "ms_per_step", 0);
    s.losses = read_losses(r, r.obj(j, "losses"));
    s.lr = r.num(j, "lr");
    s.grad_norm = r.num(j, "grad_norm");
    r.each(j, "wh_channels", [&](const Node& c) {
        WhChannelRecord w;
        w.channel = static_cast<int>(r.integer(c, "channel"));
        if (w.channel < 0 || w.channel >= kWhChannels)
            r.fail("wh channel " + std::to_string(w.channel) + " is not 0..3 (left, top, right, bottom)");
        const Node pre = r.obj(c, "pre");
        w.pre_min = r.num(pre, "min");
        w.pre_max = r.num(pre, "max");
        w.pre_mean = r.num(pre, "mean");
        w.pre_std = r.num(pre, "std");
        w.pre_frac_pos = r.num(pre, "frac_pos");
        if (Node h; r.find(pre, "hist", h)) {
            w.pre_hist.lo = r.num(h, "lo");
            w.pre_hist.hi = r.num(h, "hi");
            r.each(h, "counts", [&](const Node& n) { w.pre_hist.counts.push_back(r.as_int(n.v, "counts")); });
        }
        const Node post = r.obj(c, "post");
        w.post_min = r.num(post, "min");
        w.post_max = r.num(post, "max");
        w.post_mean = r.num(post, "mean");
        w.post_frac_zero = r.num(post, "frac_zero");
        w.weight_std = r.num(c, "weight_std");
        w.bias = r.num(c, "bias");
        w.grad_norm = r.num(c, "grad_norm");
        s.wh_channels.push_back(std::move(w));
    });
    r.each(j, "bn", [&](const Node& b) {
        BnRecord rec;
        rec.layer = r.str(b, "layer");
        rec.channels = static_cast<int>(r.integer(b, "channels"));
        rec.gamma = read_summary(r, r.obj(b, "gamma"));
        rec.beta = read_summary(r, r.obj(b, "beta"));
        rec.running_mean = read_summary(r, r.obj(b, "running_mean"));
        rec.running_var = read_summary(r, r.obj(b, "running_var"));
        r.each(b, "dead_gamma", [&](const Node& i) { rec.dead_gamma.push_back(static_cast<int>(r.as_int(i.v, "dead_gamma"))); });
        r.each(b, "dead_running",
               [&](const Node& i) { rec.dead_running.push_back(static_cast<int>(r.as_int(i.v, "dead_running"))); });
        s.bn.push_back(std::move(rec));
    });
    r.each(j, "activations", [&](const Node& a) {
        s.activations.push_back({r.str(a, "layer"), r.num(a, "frac_dead_units"), r.num(a, "frac_dead_channels")});
    });
    return s;
}

Event read_event(Reader& r, const Node& j) {
    Event e;
    e.step = r.integer(j, "step");
    e.kind = r.str(j, "kind");
    if (e.kind.empty()) r.fail("event without 'kind'");
    if (r.has(j, "channel")) e.channel = static_cast<int>(r.integer(j, "channel"));
    e.component = r.str(j, "component");
    e.message = r.str(j, "message");
    e.path = r.str(j, "path");
    simdjson::dom::object stats;
    if (Node st; r.has(j, "stats") && r.find(j, "stats", st) && st.v.get_object().get(stats) == simdjson::SUCCESS) {
        for (const simdjson::dom::key_value_pair kv : stats) {
            double v = std::numeric_limits<double>::quiet_NaN();
            if (kv.value.get_double().get(v) != simdjson::SUCCESS) v = std::numeric_limits<double>::quiet_NaN();
            e.stats[std::string(kv.key)] = v;
        }
    }
    return e;
}

EndRecord read_end(Reader& r, const Node& j) {
    EndRecord e;
    e.step = r.integer(j, "step");
    e.status = run_status_of(r.str(j, "status"));
    e.wall_s = r.opt_num(j, "wall_s", 0);
    e.skipped_files = r.has(j, "skipped_files") ? r.integer(j, "skipped_files") : 0;
    r.each(j, "dead_channels", [&](const Node& d) {
        e.dead_channels.push_back({static_cast<int>(r.integer(d, "channel")), r.integer(d, "since_step")});
    });
    return e;
}

// Records of unknown types are reported, but only the first few: a newer trainer may write many.
constexpr std::size_t kMaxUnknownTypeWarnings = 8;

// Control characters or bytes that are not UTF-8 in a line's first 512 bytes: not a text format.
bool looks_binary(std::string_view line) {
    const std::string_view head = line.substr(0, 512);
    for (std::size_t i = 0; i < head.size(); ++i) {
        const auto c = static_cast<unsigned char>(head[i]);
        if (c < 0x20 && c != '\t' && c != '\r') return true;
        if (c < 0x80) continue;
        // A UTF-8 lead byte and its continuation bytes (a sequence cut by the 512-byte window is fine).
        const int more = c >= 0xf0 && c < 0xf8 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : -1;
        if (more < 0 || c >= 0xf8) return true;
        for (int k = 1; k <= more && i + k < head.size(); ++k)
            if ((static_cast<unsigned char>(head[i + k]) & 0xc0) != 0x80) return true;
        i += more;
    }
    return false;
}

// The skip reason for a line simdjson rejected.
std::string why_not_json(simdjson::error_code err) {
    switch (err) {
    case simdjson::UTF8_ERROR: return "not valid UTF-8";
    case simdjson::DEPTH_ERROR: return "nested deeper than simdjson's limit";
    case simdjson::NUMBER_ERROR: return "a number out of range";
    case simdjson::SUCCESS: return "not a JSON object";
    default: return "not valid JSON";
    }
}

} // namespace

std::size_t TelemetryReader::feed(std::string_view bytes) {
    if (refused()) return 0;
    added_ = 0;
    bytes_fed_ += static_cast<std::int64_t>(bytes.size());
    if (!have_header_ && line_no_ == 0 && pending_.empty() && is_gzip(bytes)) {
        error_ = "gzip-compressed data: decompress the whole file first (parse_telemetry does)";
        return 0;
    }
    std::size_t begin = 0;
    while (begin < bytes.size()) {
        const std::size_t newline = bytes.find('\n', begin);
        if (newline == std::string_view::npos) { // an unfinished line: keep it for the next feed
            const std::string_view rest = bytes.substr(begin);
            if (!pending_overlong_ && pending_.size() + rest.size() > max_line_bytes_) {
                pending_overlong_ = true;
                std::string().swap(pending_);
            }
            if (!pending_overlong_) pending_.append(rest.data(), rest.size());
            if (pending_overlong_ && !have_header_)
                error_ = "not DeadZone telemetry: line " + std::to_string(line_no_ + 1) + " is longer than " +
                         std::to_string(max_line_bytes_ >> 20) + " MB without a line break";
            break;
        }
        const std::string_view piece = bytes.substr(begin, newline - begin);
        begin = newline + 1;
        ++line_no_;
        if (pending_overlong_ || pending_.size() + piece.size() > max_line_bytes_) {
            pending_overlong_ = false;
            std::string().swap(pending_);
            if (!have_header_) error_ = "not DeadZone telemetry: line " + std::to_string(line_no_) + " is too long";
            else skip_line("longer than " + std::to_string(max_line_bytes_ >> 20) + " MB");
        } else if (pending_.empty()) {
            parse_line(piece, bytes.size() - newline >= simdjson::SIMDJSON_PADDING);
        } else {
            pending_.append(piece.data(), piece.size());
            parse_line(pending_, /*padded=*/false);
            pending_.clear();
        }
        if (refused()) return 0;
    }
    return added_;
}

void TelemetryReader::finish() {
    if (refused()) return;
    if (pending_overlong_ || pending_.find_first_not_of(" \t\r") != std::string::npos) {
        ++line_no_;
        if (pending_overlong_) {
            cut_off_last_line();
        } else {
            const std::string last = std::move(pending_);
            parse_line(last, /*padded=*/false, /*last=*/true);
        }
        pending_.clear();
        pending_overlong_ = false;
    }
    if (!refused() && !have_header_) error_ = "empty file: no telemetry records"; // only blank lines (anything else was refused)
    if (run_.skipped_lines > 0)
        run_.warnings.push_back(std::to_string(run_.skipped_lines) + " malformed line(s) skipped, the first at line " +
                                std::to_string(run_.first_skipped_line) + " (" + run_.first_skip_reason + ")");
    parser_.reset(); // its buffers are only needed while bytes come
}

void TelemetryReader::cut_off_last_line() {
    run_.truncated = true;
    run_.warnings.push_back("line " + std::to_string(line_no_) +
                            " is cut off (the run was probably killed while writing it); ignored");
}

void TelemetryReader::skip_line(const std::string& why) {
    if (run_.skipped_lines++ == 0) {
        run_.first_skipped_line = line_no_;
        run_.first_skip_reason = why;
    }
}

TelemetryReader::TelemetryReader(std::size_t max_line_bytes)
    : max_line_bytes_(max_line_bytes), parser_(std::make_unique<simdjson::dom::parser>()) {}
TelemetryReader::~TelemetryReader() = default;
TelemetryReader::TelemetryReader(TelemetryReader&&) noexcept = default;
TelemetryReader& TelemetryReader::operator=(TelemetryReader&&) noexcept = default;

void TelemetryReader::parse_line(std::string_view line, bool padded, bool last) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    const std::string where = "line " + std::to_string(line_no_);
    if (!parser_) parser_ = std::make_unique<simdjson::dom::parser>(); // fed again after finish()
    Value doc;
    // padded: at least SIMDJSON_PADDING readable bytes follow the line, so simdjson reads it in
    // place; otherwise it copies the line first.
    const simdjson::error_code err = parser_->parse(line.data(), line.size(), /*realloc_if_needed=*/!padded).get(doc);
    Reader r;
    const Node j{doc, err == simdjson::SUCCESS};
    if (!have_header_) {
        if (err != simdjson::SUCCESS)
            error_ = "not DeadZone telemetry: " + where + " is not JSON" +
                     (err == simdjson::UTF8_ERROR || looks_binary(line) ? " (a binary file?)" : "");
        else if (!doc.is_object() || r.str(j, "type") != "header")
            error_ = "not DeadZone telemetry: " + where + " is not a DeadZone telemetry header record";
        if (refused()) return;
        Header h = read_header(r, j);
        if (!r.error.empty()) {
            error_ = where + " (header): " + r.error;
            return;
        }
        run_.header = std::move(h);
        have_header_ = true;
        ++added_;
        return;
    }
    if (err != simdjson::SUCCESS || !doc.is_object()) {
        // A last line without a newline is a whole record when it parses (some tools drop the final
        // newline); one that does not is a record cut off by a killed run.
        if (last) cut_off_last_line();
        else skip_line(why_not_json(err));
        return;
    }
    const std::string type = r.str(j, "type");
    if (type == "step") {
        StepRecord s = read_step(r, j);
        // Plots and the timeline search records by step: a record that goes back in time (two runs
        // written into one file) is refused rather than breaking that order.
        if (r.error.empty() && !run_.steps.empty() && s.step <= run_.steps.back().step)
            r.fail("step " + std::to_string(s.step) + " is not after step " + std::to_string(run_.steps.back().step) +
                   " (records must be in step order)");
        if (r.error.empty()) run_.steps.push_back(std::move(s));
    } else if (type == "event") {
        Event e = read_event(r, j);
        if (r.error.empty()) run_.events.push_back(std::move(e));
    } else if (type == "val") {
        ValRecord v{r.integer(j, "step"), read_losses(r, r.obj(j, "losses")), static_cast<int>(r.integer(j, "batches"))};
        if (r.error.empty()) run_.vals.push_back(v);
    } else if (type == "end") {
        EndRecord e = read_end(r, j);
        if (r.error.empty()) run_.end = std::move(e);
    } else if (type == "header") {
        r.fail("a second header record");
    } else if (type.empty()) {
        r.fail("no \"type\"");
    } else {
        if (run_.warnings.size() < kMaxUnknownTypeWarnings)
            run_.warnings.push_back(where + ": unknown record type '" + type + "' skipped");
        return;
    }
    if (!r.error.empty()) skip_line((type.empty() ? std::string("untyped") : type) + " record: " + r.error);
    else ++added_;
}

Result<Run> parse_telemetry(std::string_view bytes) {
    std::string inflated;
    if (is_gzip(bytes)) {
        Result<std::string> text = gunzip(bytes);
        if (!text) return Error{text.error()};
        inflated = std::move(text).value();
        bytes = inflated;
    }
    TelemetryReader reader;
    reader.feed(bytes);
    reader.finish();
    if (reader.refused()) return Error{reader.error()};
    return reader.take_run();
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
