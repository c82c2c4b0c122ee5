// The explorer's app shell: its state and per-frame UI. The SDL/GL/ImGui plumbing lives in main.cpp;
// each view owns its state (detect_state.h, replay_state.h, flow_state.h, scan_state.h) and draws
// itself (detect_view.h, replay_view.h, flow_view.h, scan_view.h). All mutable state is in the one AppState below: JS callbacks,
// the frame loop and the test hook all reach it through app_state().
#pragma once

#include "detect_state.h"
#include "flow_state.h"
#include "redraw_stats.h"
#include "replay_state.h"
#include "scan_state.h"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace deadzone::explorer {

// What the browser offers for running models (filled asynchronously by backend_probe.cpp).
struct BackendReport {
    bool probed = false;             // the async probe has finished
    bool webgpu_api = false;         // navigator.gpu exists
    bool webgpu_adapter = false;     // requestAdapter() returned an adapter
    std::string webgpu_adapter_info; // vendor / architecture / description, if the browser says
    bool webgpu_software = false;    // the adapter runs on the CPU (fallback adapter, SwiftShader)
    std::string webgpu_error;        // why there is no adapter
    bool cross_origin_isolated = false;
    bool wasm_threads = false; // SharedArrayBuffer usable: multi-threaded ORT wasm works
    bool wasm_simd = false;
    int hardware_concurrency = 0;
};

struct Message {
    std::string text;
    bool error = false;
    double time_ms = 0;
};

// The explorer's views, one tab each.
enum class View { Detect, Replay, Flow, Scan };

// Counts and timings the tests and the bench read (never shown in the UI).
struct Counters {
    long long runs_started = 0; // session.run calls made (sliders must not add any)
    long long inputs_made = 0;  // images letterboxed for a run (one per image and input size)
    // CPU time of the last frames drawn (ImGui + GL submit), ms: bench/replay_bench.mjs reads the p95.
    static constexpr int kFrameTimes = 240;
    float frame_ms[kFrameTimes] = {};
    long long frame_times = 0; // frames recorded so far (frame_ms is a ring)
    // Vertices and draw commands of the last frame drawn, and what of it was drawn again: with a
    // software GPU (SwiftShader) the triangles rasterised, more than anything the CPU does, decide
    // the frame rate (bench/flow_bench.mjs).
    int draw_vertices = 0;
    int draw_commands = 0;
    RedrawStats redraw;
    long long frames_full = 0, frames_partial = 0, frames_unchanged = 0; // frames drawn, by how
};

struct AppState {
    BackendReport backends;
    long long frame = 0; // frames drawn
    int framebuffer_width = 0;
    int framebuffer_height = 0;

    bool ort_loaded = false;         // ORT Web's script is on the page
    Backend backend = Backend::Wasm; // what sessions are created with
    bool backend_chosen = false;     // set once the probe answered (or the user picked)
    bool ort_busy = false;           // one ORT call (create or run) at a time
    int next_id = 1;                 // session and request ids

    bool partial_redraw = true; // redraw only what changed (partial_redraw.h); false: every frame whole
    View view = View::Detect;
    DetectState detect;
    ReplayState replay;
    FlowState flow;
    ScanState scan;
    Counters counters;
    std::vector<Message> messages;

    // Where the clickable widgets were drawn last frame (x, y, w, h in CSS pixels), by name:
    // "open", "sample:<file>", "tab:replay", ... The test hook exports them so browser tests click
    // what a person sees instead of guessing coordinates.
    std::map<std::string, std::array<float, 4>> widget_rects;

    // Frame pacing (main.cpp): the UI is drawn at the display's rate only while something happens,
    // so an idle tab costs nothing and a running model keeps the CPU. See request_redraw().
    double input_until_ms = 0; // input arrived: draw every frame until then
    int redraw_frames = 0;     // a change from outside the frame loop: draw this many frames
    double last_draw_ms = 0;
    // A new image is shown together with the first detections if they come within this hold
    // (kFirstFrameHoldMs after the image arrived); otherwise alone when it ends. See should_draw().
    double hold_frames_until_ms = 0;
};

// The one AppState of the app shell (the app is a single page with a single canvas).
AppState& app_state();

void draw_ui(AppState& state);
// Something changed outside the frame loop (a JS callback, a test setter): draw the next frames.
// Every entry point from JS calls it.
void request_redraw(AppState& state);
void post_message(AppState& state, std::string text, bool error);
// Remembers the last ImGui item's screen rectangle under `name` (see AppState::widget_rects).
void remember_item_rect(AppState& state, const std::string& name);
// Tells the page a panel's run finished (a "deadzone-result" event with {panel}), so tests and the
// bench wait for it instead of polling the state (state_json.cpp).
void announce_result(int panel_index);

} // namespace deadzone::explorer
