// The explorer's state and per-frame UI. The SDL/GL/ImGui plumbing lives in main.cpp; the pieces
// of the UI and the inference pipeline live in a file each (see the list at the bottom). All mutable
// state is in the one AppState below: JS callbacks, the frame loop and the test hook all reach it
// through app_state().
#pragma once

#include "onnx_info.h"

#include "deadzone/channel_stats.h"
#include "deadzone/decode.h"
#include "deadzone/image_input.h"
#include "deadzone/prediction_dump.h" // wh_channel_name

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace deadzone::explorer {

// What the browser offers for running models (filled asynchronously by backend_probe.cpp).
struct BackendReport {
    bool probed = false;               // the async probe has finished
    bool webgpu_api = false;           // navigator.gpu exists
    bool webgpu_adapter = false;       // requestAdapter() returned an adapter
    std::string webgpu_adapter_info;   // vendor / architecture / description, if the browser says
    std::string webgpu_error;          // why there is no adapter
    bool cross_origin_isolated = false;
    bool wasm_threads = false;         // SharedArrayBuffer usable: multi-threaded ORT wasm works
    bool wasm_simd = false;
    int hardware_concurrency = 0;
};

enum class Backend { Wasm, WebGpu };
const char* backend_name(Backend b); // the ORT Web execution-provider name: "wasm" / "webgpu"

// A model the user can pick: shipped, a generated test model, or an .onnx dragged in.
struct Model {
    std::string name;
    std::string origin;               // "shipped", "test model", "dropped"
    std::vector<std::uint8_t> bytes;  // kept to recreate the session when the back-end changes
    ModelSpec spec;
    int session_id = 0;               // 0: no session yet (or it was released)
    bool session_pending = false;     // creation in flight
    std::string session_error;        // ORT refused it (shown, the model stays unusable)
    bool warmed = false;              // its session has had its warm-up run (see pump_pipeline)
};

// Raw outputs of one run, copied out of ORT Web's tensors.
struct ModelOutputs {
    int classes = 0, height = 0, width = 0;
    std::vector<float> heatmap; // [classes, height, width] logits
    std::vector<float> wh;      // [4, height, width] after activation x wh_offset_base
    std::vector<float> wh_pre;  // [4, height, width] pre-activation
    ChwView heatmap_view() const { return {heatmap.data(), classes, height, width}; }
    ChwView wh_view() const { return {wh.data(), 4, height, width}; }
    ChwView wh_pre_view() const { return {wh_pre.data(), 4, height, width}; }
};

// What one model said about one image. Replaced only by a complete, finite result.
struct Prediction {
    bool valid = false;
    int model_index = -1;
    std::int64_t image_generation = -1;
    Backend backend = Backend::Wasm;
    ModelOutputs out;
    Letterbox letterbox;
    std::vector<ChannelStats> pre_stats, post_stats; // per wh channel
    DecodeResult decoded;                            // redone whenever the sliders move
    double run_ms = 0;       // session.run in ORT's thread (incl. reading the output tensors)
    double handoff_ms = 0;   // getting the input to ORT's worker and the outputs back
    double latency_ms = 0;   // image received -> boxes decoded, in the app
    // Where latency_ms went (bench/explorer_bench.mjs prints it): the browser reading the dropped
    // File, image decode, waiting for ORT, letterbox + normalise, run, worker hand-off, the copies into
    // C++ + stats + decode.
    double file_read_ms = 0, decode_image_ms = 0, queue_ms = 0, preprocess_ms = 0, post_ms = 0;
    unsigned overlay_texture = 0; // GL texture of the current colour map (see heatmap_texture.cpp)
    int overlay_kind = -1;        // which map the texture holds
};

struct Panel {
    int model_index = -1;
    Prediction pred;
    bool needs_run = false;  // image, model or back-end changed since pred
    int request_id = 0;      // the run in flight for this panel, 0 when none
    Letterbox pending_letterbox; // the geometry of that run's input
    double run_started_ms = 0, preprocess_ms = 0;
    float image_rect[4] = {0, 0, 0, 0}; // where the image was drawn last frame: x, y, scale (px per source px), 0
    std::string error;       // the last run's problem (NaN output, wrong shapes), shown on the panel
};

struct LoadedImage {
    std::string name;
    RgbImage rgb;
    std::int64_t generation = 0; // 0: no image yet
    double received_ms = 0;      // performance.now() when the bytes reached the app
    double arrived_ms = 0;       // performance.now() when the bytes reached C++
    double decoded_ms = 0;       // performance.now() when decoding finished
    unsigned texture = 0;
    int texture_width = 0, texture_height = 0;
};

struct Message {
    std::string text;
    bool error = false;
    double time_ms = 0;
};

// Overlay kinds: none, the heatmap (max class score), or one wh channel.
enum Overlay { kOverlayNone = 0, kOverlayHeatmap = 1, kOverlayWh0 = 2 /* ..kOverlayWh0+3 */ };

struct AppState {
    BackendReport backends;
    long long frame = 0;              // frames drawn
    int framebuffer_width = 0;
    int framebuffer_height = 0;

    bool ort_loaded = false;          // ORT Web's script is on the page
    Backend backend = Backend::Wasm;  // what sessions are created with
    bool backend_chosen = false;      // set once the probe answered (or the user picked)
    bool ort_busy = false;            // one ORT call (create or run) at a time
    int next_id = 1;                  // session and request ids
    long long runs_started = 0;       // session.run calls made (tests: sliders must not add any)
    long long inputs_made = 0;        // images letterboxed for a run (tests: one per image and input size)

    std::vector<Model> models;
    std::string model_list_source;    // where the model list came from, or why there is none
    std::string default_pair[2];      // the manifest's default models for the two panels
    std::vector<std::string> sample_images; // URLs
    Panel panels[2];
    LoadedImage image;
    ModelInput model_input; // the last run's input; its buffer is reused (copied to ORT at each run)
    // What model_input holds: the other panel's model reuses it when it takes the same input.
    struct {
        std::int64_t image_generation = 0;
        int size = 0;
        Normalization norm;
    } model_input_of;
    DecodeParams params{4, 100, 0.3f};
    int overlay = kOverlayNone;
    float overlay_alpha = 0.65f;
    std::vector<Message> messages;

    // Hover read-out, in the model's feature-map cells (-1 when not over an image).
    int hover_panel = -1, hover_x = -1, hover_y = -1;

    // Where the clickable toolbar widgets were drawn last frame (x, y, w, h in CSS pixels), by name:
    // "open", "sample:<file>". The test hook exports them so browser tests click what a person sees
    // instead of guessing coordinates.
    std::map<std::string, std::array<float, 4>> widget_rects;

    // Frame pacing (main.cpp): the UI is drawn at the display's rate only while something happens,
    // so an idle tab costs nothing and a running model keeps the CPU. See request_redraw().
    double input_until_ms = 0;   // input arrived: draw every frame until then
    int redraw_frames = 0;       // a change from outside the frame loop: draw this many frames
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
// Runs the image path (decode, letterbox) once on a sample's bytes and throws the result away, so
// the browser has optimised that code before the user's first image (pipeline.cpp).
void warm_up_image_path(const std::vector<std::uint8_t>& bytes);
// Tells the page a panel's run finished (a "deadzone-result" event with {panel}), so tests and the
// bench wait for it instead of polling the state (state_json.cpp).
void announce_result(int panel_index);

// pipeline.cpp: the path from bytes to boxes.
void start_explorer(AppState& state);                   // install JS glue, fetch the model list
void pump_pipeline(AppState& state);                    // once a frame: start the next ORT call
void accept_image_bytes(AppState& state, const std::string& name, const std::vector<std::uint8_t>& bytes,
                        double received_ms);
void accept_model_bytes(AppState& state, const std::string& name, const std::string& origin,
                        std::vector<std::uint8_t> bytes);
void select_model(AppState& state, int panel, int model_index);
void set_backend(AppState& state, Backend backend);
void redecode(AppState& state);                          // sliders moved: decode again, no rerun
bool any_run_pending(const AppState& state);

// ort_session.cpp: ONNX Runtime Web, called from C++ (results come back through callbacks).
void ort_create_session(int session_id, const std::vector<std::uint8_t>& bytes, Backend backend);
void ort_release_session(int session_id);
void ort_run(int session_id, int request_id, const std::vector<float>& input, int size);
bool ort_in_worker(); // wasm sessions run in web/ort_worker.js, off the main thread

// file_drop.cpp: files from the user (drop, Open button) and from the server (fetch).
void install_file_drop();
void open_file_dialog();
void fetch_file(const std::string& url, const std::string& kind); // kind: image, model, manifest

// image_panel.cpp / prediction_dump.cpp / heatmap_texture.cpp
void draw_image_panel(AppState& state, int panel_index, float width, float height);
void draw_prediction_dump(const AppState& state, int panel_index);
bool prediction_has_dead_channel(const Prediction& pred);
std::string prediction_dump_text(const Prediction& pred); // ttfnet-eval's wh / wh_pre lines
void draw_spinner(float radius, double time);
unsigned upload_rgb_texture(unsigned texture, const RgbImage& image);
void update_overlay_texture(Prediction& pred, int overlay);
void colormap(float t, float rgb[3]);

} // namespace deadzone::explorer
