// The Replay view's state: the telemetry runs loaded (up to kMaxReplayRuns, overlaid by step), the
// timeline, and the plots' shared view. telemetry_loader.h fills it, replay_view.h draws it.
#pragma once

#include "deadzone/channel_death.h"
#include "deadzone/run_columns.h"
#include "deadzone/telemetry_reader.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace deadzone::explorer {

constexpr int kMaxReplayRuns = 4;

enum class RunOrigin { Shipped, Dropped, Live };
const char* run_origin_name(RunOrigin o); // "shipped", "dropped", "live"

// One loaded telemetry file, or a run being followed while ttfnet-train writes it.
struct ReplayRun {
    int id = 0;       // names the run in JS callbacks (dz_on_telemetry_bytes)
    std::string name; // file name, or the run folder's name
    std::string url;  // where it is fetched from; empty for a dropped file
    RunOrigin origin = RunOrigin::Dropped;
    telemetry::TelemetryReader reader; // owns the parsed telemetry::Run
    telemetry::RunColumns columns;     // the step records as plot columns (extended on append)
    std::vector<DeathEpisode> deaths;
    std::vector<std::string> death_captions; // one per death, from core's death_caption
    std::vector<std::int64_t> bn_first_fired;
    bool loading = true;       // bytes still expected
    bool following = false;    // live: polled for appended records
    int colour = 0;            // index into the run palette
    double loaded_ms = 0;      // performance.now() when the first records arrived
    double last_append_ms = 0; // ... and when the latest did
    double derived_ms = 0;     // when deaths, captions and histories were last redone
    double shown_ms = 0;       // when the first frame with all of a loaded file on screen was drawn
    double total_bytes = -1;   // the file's size while it streams in (progress), -1 unknown

    const telemetry::Run& run() const { return reader.run(); }
    // The record the views show at `step`: the last one at or before it (the first when the step is
    // before it); null while the run has no step records.
    const telemetry::StepRecord* record_at(std::int64_t step) const {
        const auto& steps = run().steps;
        return steps.empty() ? nullptr : &steps[telemetry::record_at(steps, step)];
    }
};

// A run in the served runs folder (scripts/explore.sh --runs DIR), from runs/index.json.
struct LiveRunEntry {
    std::string name, url;
    std::int64_t bytes = 0;
    double age_s = 0; // since the file last changed: small means training is still writing it
};

struct Timeline {
    std::int64_t step = 0; // the step every view shows
    bool playing = false;
    float steps_per_second = 50.0f;
    double carry = 0;        // fractional steps accumulated while playing
    bool follow_end = false; // stay on the newest record of a live run
};

struct ReplayState {
    std::vector<ReplayRun> runs;
    int next_run_id = 1;
    int primary = 0;      // the run whose tables, captions and density strip are shown
    int focus_run_id = 0; // a run to make primary, at its death, once its records arrive
    int channel = 0;      // the wh channel the per-channel plots show (0 left .. 3 bottom)
    Timeline timeline;
    // Plots share the x range (steps) so that they stay aligned; x_auto follows the data.
    bool x_auto = true;
    double x_min = 0, x_max = 1;
    // Log y per plot that offers it (the plot widget's lin/log toggle writes here).
    enum LogPlot { kLogFracPos, kLogWeightStd, kLogGrad, kLogLoss, kLogLr, kLogVal, kLogPlots };
    bool log_y[kLogPlots] = {false, false, false, true, false, true};
    // Shipped runs (assets/models/manifest.json "telemetry") and the live runs folder.
    std::vector<std::pair<std::string, std::string>> shipped; // name, url
    std::vector<LiveRunEntry> live_runs;
    bool live_listed = false;        // the server has a runs folder (runs/index.json answered)
    std::string runs_folder;         // its name
    double runs_index_polled_ms = 0; // when runs/index.json was last requested
    std::string load_error;          // the last refused file, shown in the view
    double last_frame_ms = 0;        // for the playback clock

    // The run the tables, captions and density strip show; null when none is loaded.
    const ReplayRun* primary_run() const {
        return runs.empty() ? nullptr : &runs[std::min<std::size_t>(static_cast<std::size_t>(primary), runs.size() - 1)];
    }
};

} // namespace deadzone::explorer
