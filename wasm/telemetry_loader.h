// Telemetry into the Replay view (telemetry_loader.cpp): files dropped or opened, shipped runs
// fetched from assets/, and live runs followed while ttfnet-train writes them (served by
// `scripts/explore.sh --runs DIR`, listed in runs/index.json). Parsing is core's TelemetryReader,
// so a followed run only parses the bytes appended since the last poll.
//
// Bad input never costs what is loaded: a file that is not DeadZone telemetry is refused with a
// message and the view keeps its runs; a truncated file or one with malformed lines is loaded and
// the view says what was skipped.
#pragma once

#include "app.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace deadzone::explorer {

// Whether a file name is routed to the Replay view (.jsonl, .ndjson, .jsonl.gz, .json).
bool is_telemetry_name(const std::string& name);

// A whole file (dropped, opened, or fetched): text or gzip. Refused input posts a message and
// changes nothing; otherwise the run is added (the oldest goes when kMaxReplayRuns are loaded).
void load_telemetry_bytes(AppState& state, const std::string& name, const std::string& url, RunOrigin origin,
                          const std::uint8_t* bytes, std::size_t size);
// A dropped or opened file that the page streams in pieces (web/explorer_library.js), so that a long
// run is parsed while the rest is read and is never copied whole onto the wasm heap: adds a loading
// run and returns its id, whose pieces then come through on_telemetry_bytes. 0 when the file must
// come whole: a name that is not telemetry (its content decides, see file_drop.cpp) or a .gz file
// (gzip only decompresses whole). total_bytes: the file's size in bytes for the progress bar, -1
// when unknown.
int begin_telemetry_stream(AppState& state, const std::string& name, RunOrigin origin, double total_bytes);
// Fetches a shipped run (whole) or follows a live one (new bytes every 0.5 s; a .gz one is read
// whole). Returns the run's id (the existing one when that URL is already loaded).
int load_telemetry_url(AppState& state, const std::string& name, const std::string& url, RunOrigin origin);
// Bytes of a followed run arrived (from web/explorer_library.js dz_js_follow_telemetry).
// What came with a piece of a run's file.
struct TelemetryPiece {
    bool finished = false;   // no more bytes will come
    bool restarted = false;  // the followed file was rewritten (a resumed or restarted run): these
                             // bytes start it again, and what was loaded from it is dropped
    double total_bytes = -1; // the file's size when the server said, for the progress bar
};
// Returns whether the screen should be redrawn now: not for every piece of a file streaming in (a
// frame with thousands of records costs tens of ms, which would slow the load down), only when the
// derived views were refreshed or something ended.
bool on_telemetry_bytes(AppState& state, int run_id, const std::uint8_t* bytes, std::size_t size, const TelemetryPiece& piece,
                        const std::string& error);
// Closes loaded run `index` (stops following it); out-of-range indices are ignored.
void remove_replay_run(AppState& state, int index);
// The live runs folder's listing (runs/index.json); refetched while the Replay view is open.
void on_runs_index(AppState& state, const std::vector<std::uint8_t>& bytes, const std::string& error);
void poll_runs_index(AppState& state, double now_ms);
// Loads the broken/fixed pair of the shipped runs and opens the Replay view (the Detect view's
// "Replay training" button): the manifest's default pair, the first with its deaths in view.
void open_shipped_replay(AppState& state);

} // namespace deadzone::explorer
