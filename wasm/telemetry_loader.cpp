#include "telemetry_loader.h"

#include "file_drop.h"
#include "js_bindings.h"

#include "deadzone/file_names.h"
#include "deadzone/diagnostics.h"
#include "deadzone/gzip.h"

#include <emscripten/emscripten.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace deadzone::explorer {

namespace {

// How often a live run and the runs folder are polled. A record the trainer writes is on screen
// within one poll plus one frame.
constexpr int kFollowIntervalMs = 500;
constexpr double kRunsIndexIntervalMs = 2000;

// How often deaths, captions and BN histories are redone while a long file streams in (each is a
// pass over every record; the columns are extended with every piece).
constexpr double kStreamingRefreshMs = 250;

// Columns, deaths and histories follow the parsed records; called after every append.
// complete: no more records are coming soon (a whole file, or a live run's poll): redo everything.
// Returns whether they were redone.
bool refresh_derived(ReplayRun& r, bool complete) {
    telemetry::extend_columns(r.run(), r.columns);
    const double now = emscripten_get_now();
    r.last_append_ms = now;
    if (r.loaded_ms == 0) r.loaded_ms = now;
    if (!complete && now - r.derived_ms < kStreamingRefreshMs) return false;
    r.derived_ms = now;
    r.deaths = death_episodes(r.run());
    r.death_captions.clear();
    for (const DeathEpisode& e : r.deaths) r.death_captions.push_back(death_caption(r.run(), e));
    r.bn_first_fired = bn_first_fired(r.run());
    return true;
}

int free_colour(const ReplayState& replay) {
    for (int c = 0; c < kMaxReplayRuns; ++c)
        if (std::none_of(replay.runs.begin(), replay.runs.end(), [c](const ReplayRun& r) { return r.colour == c; })) return c;
    return 0;
}

std::string describe_load(const ReplayRun& r) {
    const telemetry::Run& run = r.run();
    std::string text = (r.following ? "following " : "loaded ") + r.name + ": " + std::to_string(run.steps.size()) +
                       " step records" + (r.following ? " so far" : "");
    if (!run.steps.empty())
        text += ", steps " + std::to_string(run.steps.front().step) + "-" + std::to_string(run.steps.back().step);
    text += ", " + std::to_string(r.deaths.size()) + " channel death(s)";
    if (run.truncated) text += "; the last line was cut off (run killed while writing?) and ignored";
    if (run.skipped_lines > 0)
        text += "; " + std::to_string(run.skipped_lines) + " malformed line(s) skipped, the first at line " +
                std::to_string(run.first_skipped_line) + " (" + run.first_skip_reason + ")";
    return text;
}

// The step a newly loaded run opens at: its first death (the story), else its last record. A death
// is shown zoomed in on the steps around it (deaths are early: step 2 of 2000 in the shipped broken
// run would be the first pixel); double-clicking a plot shows the whole run.
void place_timeline(ReplayState& replay, const ReplayRun& r) {
    const auto& steps = r.run().steps;
    if (steps.empty()) return;
    if (r.deaths.empty()) {
        replay.timeline.step = steps.back().step;
        return;
    }
    const std::int64_t died = r.deaths.front().died_at;
    replay.timeline.step = died;
    if (r.following) return; // a live run's plots keep following its growth
    replay.x_auto = false;
    replay.x_min = static_cast<double>(steps.front().step);
    replay.x_max = static_cast<double>(std::min(steps.back().step, std::max<std::int64_t>(100, died * 4)));
}

// Adds a run; the view may hold one more than kMaxReplayRuns until make_room() (a run being fetched
// must not cost a loaded one before it has proved to be telemetry).
void add_run(AppState& state, ReplayRun run) {
    ReplayState& replay = state.replay;
    run.colour = free_colour(replay);
    replay.runs.push_back(std::move(run));
    if (replay.runs.size() == 1) {
        replay.primary = 0;
        replay.x_auto = true;
        place_timeline(replay, replay.runs.back());
    }
}

// Closes the oldest runs (other than `keep_id`) while more than kMaxReplayRuns are loaded. Moves
// runs in the vector: callers must not hold a ReplayRun pointer across it.
void make_room(AppState& state, int keep_id) {
    ReplayState& replay = state.replay;
    while (static_cast<int>(replay.runs.size()) > kMaxReplayRuns) {
        const int oldest = replay.runs[0].id == keep_id ? 1 : 0;
        post_message(state,
                     "closed run '" + replay.runs[oldest].name + "' to make room (at most " + std::to_string(kMaxReplayRuns) +
                         " runs are overlaid)",
                     false);
        remove_replay_run(state, oldest);
    }
}

// Makes run `index` the primary one and shows its first death (or last step).
void focus_run(ReplayState& replay, int index) {
    replay.primary = index;
    replay.focus_run_id = 0;
    place_timeline(replay, replay.runs[index]);
}

ReplayRun* find_run(ReplayState& replay, int id) {
    for (ReplayRun& r : replay.runs)
        if (r.id == id) return &r;
    return nullptr;
}

} // namespace

const char* run_origin_name(RunOrigin o) {
    switch (o) {
    case RunOrigin::Shipped: return "shipped";
    case RunOrigin::Dropped: return "dropped";
    case RunOrigin::Live: return "live";
    }
    return "?";
}

bool is_telemetry_name(const std::string& name) {
    for (const char* ext : {".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".json", ".json.gz"})
        if (has_extension(name, ext)) return true;
    return false;
}

namespace {

// Parses a whole file (text or gzip) into r; false, with the message posted, when it is refused.
bool read_whole(AppState& state, ReplayRun& r, const std::uint8_t* bytes, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(bytes), size);
    std::string inflated;
    std::string error;
    if (is_gzip(text)) {
        Result<std::string> g = gunzip(text);
        if (g) inflated = std::move(g).value();
        else error = g.error();
        text = inflated;
    }
    if (error.empty()) {
        r.reader = telemetry::TelemetryReader();
        r.reader.feed(text);
        r.reader.finish();
        if (r.reader.refused()) error = r.reader.error();
    }
    r.loading = r.following = false;
    if (!error.empty()) {
        state.replay.load_error = "'" + r.name + "' not loaded: " + error;
        post_message(state, state.replay.load_error + " (keeping the runs already loaded)", true);
        return false;
    }
    refresh_derived(r, /*complete=*/true);
    state.replay.load_error.clear();
    post_message(state, describe_load(r), false);
    return true;
}

} // namespace

void load_telemetry_bytes(AppState& state, const std::string& name, const std::string& url, RunOrigin origin,
                          const std::uint8_t* bytes, std::size_t size) {
    ReplayRun run;
    run.id = state.replay.next_run_id++;
    run.name = name;
    run.url = url;
    run.origin = origin;
    if (!read_whole(state, run, bytes, size)) return;
    const int id = run.id;
    add_run(state, std::move(run));
    make_room(state, id);
}

int begin_telemetry_stream(AppState& state, const std::string& name, RunOrigin origin, double total_bytes) {
    if (!is_telemetry_name(name) || has_extension(name, ".gz")) return 0;
    ReplayRun run;
    run.id = state.replay.next_run_id++;
    run.name = name;
    run.origin = origin;
    run.total_bytes = total_bytes;
    const int id = run.id;
    add_run(state, std::move(run));
    return id;
}

int load_telemetry_url(AppState& state, const std::string& name, const std::string& url, RunOrigin origin) {
    for (const ReplayRun& r : state.replay.runs)
        if (r.url == url) return r.id; // already loaded (or loading)
    ReplayRun run;
    run.id = state.replay.next_run_id++;
    run.name = name;
    run.url = url;
    run.origin = origin;
    // A gzip file cannot be read as it grows (it is only valid whole): it is loaded once.
    run.following = origin == RunOrigin::Live && !has_extension(url, ".gz");
    const int id = run.id;
    const int interval = run.following ? kFollowIntervalMs : 0;
    add_run(state, std::move(run));
    dz_js_follow_telemetry(id, url.c_str(), interval);
    return id;
}

bool on_telemetry_bytes(AppState& state, int run_id, const std::uint8_t* bytes, std::size_t size, const TelemetryPiece& piece,
                        const std::string& error) {
    const bool finished = piece.finished;
    ReplayState& replay = state.replay;
    ReplayRun* r = find_run(replay, run_id);
    if (r == nullptr) return false; // removed meanwhile
    const auto index = [&] { return static_cast<int>(r - replay.runs.data()); };
    if (piece.total_bytes > 0) r->total_bytes = piece.total_bytes;
    if (piece.restarted) { // the file was rewritten (ttfnet-train --resume truncates it): read it again
        post_message(state, "run '" + r->name + "' was rewritten (resumed or restarted): reloading it", false);
        r->reader = telemetry::TelemetryReader();
        r->columns = telemetry::RunColumns();
        r->deaths.clear();
        r->death_captions.clear();
        r->bn_first_fired.clear();
    }
    if (!error.empty()) {
        post_message(state, "could not read run '" + r->name + "': " + error, true);
        if (!r->reader.has_header()) {
            remove_replay_run(state, index());
            return true;
        }
        // Keep what was read, complete: a cut-off last line is reported, deaths are up to date.
        r->reader.finish();
        r->loading = r->following = false;
        refresh_derived(*r, /*complete=*/true);
        make_room(state, run_id);
        return true;
    }
    std::string_view text(reinterpret_cast<const char*>(bytes), size);
    // A file that arrives in one piece (a .gz file, or under 1 MB): read it in one go.
    if (r->reader.bytes_fed() == 0 && finished) {
        if (!read_whole(state, *r, bytes, size)) {
            remove_replay_run(state, index());
            return true;
        }
        if (r->id == replay.focus_run_id) focus_run(replay, index());
        else if (index() == replay.primary) place_timeline(replay, *r);
        make_room(state, run_id);
        return true;
    }
    const bool first = !r->reader.has_header();
    const std::size_t added = r->reader.feed(text);
    if (finished) r->reader.finish();
    if (r->reader.refused()) {
        replay.load_error = "'" + r->name + "' not loaded: " + r->reader.error();
        post_message(state, replay.load_error + " (keeping the runs already loaded)", true);
        dz_js_stop_follow(run_id);
        remove_replay_run(state, index());
        return true;
    }
    if (finished) r->loading = r->following = false;
    if (added == 0 && !finished) return piece.restarted; // a rewritten, still empty file: show it cleared
    // A live run's poll is complete in itself; a streaming file is not until its last piece.
    const bool refreshed = refresh_derived(*r, /*complete=*/!r->loading || r->following);
    // A followed run is shown from its first records; a streamed file once it is all in.
    if ((r->following && first && r->reader.has_header()) || (finished && !r->following)) {
        if (r->id == replay.focus_run_id) focus_run(replay, index());
        else if (index() == replay.primary) place_timeline(replay, *r);
        replay.load_error.clear();
        post_message(state, describe_load(*r), false);
    }
    // The run wrote its end record: it is finished, stop polling it.
    if (r->following && r->run().end) {
        dz_js_stop_follow(run_id);
        r->following = r->loading = false;
        post_message(state,
                     "run '" + r->name + "' finished (" + deadzone::telemetry::run_status_name(r->run().end->status) +
                         ") at step " + std::to_string(r->run().end->step),
                     false);
    }
    if (replay.timeline.follow_end && index() == replay.primary && !r->run().steps.empty())
        replay.timeline.step = r->run().steps.back().step;
    if (r->reader.has_header()) make_room(state, run_id); // r is not used after this
    return refreshed || finished || piece.restarted;
}

void remove_replay_run(AppState& state, int index) {
    ReplayState& replay = state.replay;
    if (index < 0 || index >= static_cast<int>(replay.runs.size())) return;
    if (replay.runs[index].following || replay.runs[index].loading) dz_js_stop_follow(replay.runs[index].id);
    replay.runs.erase(replay.runs.begin() + index);
    if (replay.primary >= static_cast<int>(replay.runs.size())) replay.primary = 0;
    else if (replay.primary > index) --replay.primary;
}

void on_runs_index(AppState& state, const std::vector<std::uint8_t>& bytes, const std::string& error) {
    ReplayState& replay = state.replay;
    if (!error.empty()) { // no runs folder served: nothing to list (not an error for the user)
        replay.live_listed = false;
        return;
    }
    const nlohmann::json j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
    // {"folder": name or null, "runs": [...]}: null when the server was started without --runs.
    if (!j.is_object() || !j.contains("runs") || !j["runs"].is_array() || !j.contains("folder") || !j["folder"].is_string()) {
        replay.live_listed = false;
        return;
    }
    replay.live_listed = true;
    replay.runs_folder = j["folder"].get<std::string>();
    replay.live_runs.clear();
    for (const auto& r : j["runs"]) {
        if (!r.is_object() || !r.contains("name") || !r.contains("url") || !r["name"].is_string() || !r["url"].is_string())
            continue;
        LiveRunEntry e;
        e.name = r["name"].get<std::string>();
        e.url = r["url"].get<std::string>();
        e.bytes = r.value("bytes", std::int64_t{0});
        e.age_s = r.value("age_s", 0.0);
        replay.live_runs.push_back(std::move(e));
    }
}

void poll_runs_index(AppState& state, double now_ms) {
    double& last_ms = state.replay.runs_index_polled_ms;
    if (last_ms > 0 && now_ms - last_ms < kRunsIndexIntervalMs) return;
    last_ms = now_ms;
    fetch_file("runs/index.json", FetchKind::RunsIndex);
}

void open_shipped_replay(AppState& state) {
    ReplayState& replay = state.replay;
    state.view = View::Replay;
    for (int i = 0; i < 2; ++i)
        for (const auto& [shipped_name, url] : replay.shipped) {
            if (shipped_name != state.detect.default_pair[i]) continue;
            const int id = load_telemetry_url(state, shipped_name, url, RunOrigin::Shipped);
            if (i != 0) continue;
            // The broken run becomes the primary one, shown at its death, once its records are in
            // (at once when it was already loaded).
            replay.focus_run_id = id;
            for (int k = 0; k < static_cast<int>(replay.runs.size()); ++k)
                if (replay.runs[k].id == id && replay.runs[k].reader.has_header()) focus_run(replay, k);
        }
}

} // namespace deadzone::explorer
